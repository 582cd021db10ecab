"""Where each role starts after login, the one staff header, "My interviews", and refused / missing pages that are
styled pages with a way back, while the API keeps answering JSON (R-UI-1)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, RequestFactory

from hrsys.audit.models import AccessLog
from hrsys.core.views import permission_denied
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
START = {"hr": "/dashboard/", "director": "/dashboard/", "er_manager": "/offers/approvals/",
         "interviewer": "/interviews/mine/", "admin": "/admin/"}


@pytest.fixture(autouse=True)
def _english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _hidden_next(html: str) -> str:
    return re.search(r'<input type="hidden" name="next" value="([^"]*)"', html).group(1)


@pytest.mark.parametrize("who", sorted(START))
def test_r_ui_1_start_redirects_each_role_to_its_page(users, who):
    """R-UI-1: /start/ (LOGIN_REDIRECT_URL) sends HR staff and the HR director to Today, a hiring manager to the
    approvals waiting for them, an interviewer to their interviews, the system administrator to the admin."""
    user = getattr(users, who)
    response = _client(user).get("/start/")
    assert response.status_code == 302
    assert response["Location"] == START[who]
    assert _client(user).get(START[who]).status_code == 200


def test_r_ui_1_start_needs_a_login(settings):
    response = Client().get("/start/")
    assert response.status_code == 302 and response["Location"] == "/admin/login/?next=/start/"
    assert settings.LOGIN_REDIRECT_URL == "/start/"


@pytest.mark.parametrize("who", ["hr", "er_manager", "interviewer", "admin"])
def test_r_ui_1_admin_login_lands_on_the_start_page_of_the_role(users, who):
    """R-UI-1: the admin login form's ``next`` defaults to /start/ (no longer the admin index), so a login through
    the form ends on the role's own page."""
    user = getattr(users, who)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = client.get("/admin/login/")
    assert form.status_code == 200 and _hidden_next(form.content.decode()) == "/start/"
    response = client.post("/admin/login/", {"username": user.username, "password": PASSWORD, "next": "/start/"},
                           follow=True)
    assert response.redirect_chain[0] == ("/start/", 302)
    assert response.redirect_chain[-1][0] == START[who]
    assert response.status_code == 200


def test_r_ui_1_login_without_next_field_still_goes_to_the_start_page(users):
    response = Client().post("/admin/login/", {"username": "hr", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/start/"


def test_r_ui_1_an_explicit_next_wins_over_the_start_page(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    target = "/admin/candidates/application/"
    form = client.get("/admin/login/", {"next": target})
    assert _hidden_next(form.content.decode()) == target
    response = client.post(f"/admin/login/?next={target}", {"username": "hr", "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response["Location"] == target


def test_r_ui_1_signed_in_staff_on_the_login_page_or_front_page_go_to_their_start(users):
    client = _client(users.er_manager)
    assert client.get("/admin/login/")["Location"] == "/offers/approvals/"
    assert client.get("/")["Location"] == "/offers/approvals/"
    assert Client().get("/").status_code == 200  # the front page for everyone else


def test_r_ui_1_wrong_password_stays_on_the_form(users):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/admin/login/", {"username": "hr", "password": "wrong",
                                                                         "next": "/start/"})
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session


# -- the header ----------------------------------------------------------------------------------------------------

def _nav(html: str) -> list[str]:
    return re.findall(r'data-nav="([a-z]+)"', html)


def test_r_ui_1_one_header_with_name_role_and_the_links_of_the_role(users, org):
    users.hr.full_name = "王丽"
    users.hr.save()
    pages = {"/dashboard/": "today", "/dashboard/funnel/": "dashboards", "/interviews/mine/": "interviews",
             "/admin/": "admin", "/admin/candidates/application/": "admin"}
    client = _client(users.hr)
    for url, current in pages.items():
        html = client.get(url).content.decode()
        assert html.count('id="site-header"') == 1, url
        assert "王丽" in html and "HR staff" in html, url
        assert _nav(html) == ["today", "dashboards", "boards", "interviews", "calendar", "admin"], url
        assert re.search(rf'data-nav="{current}" aria-current="page"', html), url
        assert 'action="/i18n/setlang/"' in html and 'action="/admin/logout/"' in html, url
    manager = _client(users.er_manager).get("/offers/approvals/").content.decode()
    assert _nav(manager) == ["dashboards", "approvals", "pipeline", "interviews", "calendar", "admin"]
    assert 'href="/workspace/jobs/"' in manager  # their department's pipeline boards (R-UI-3)
    interviewer = _client(users.interviewer).get("/interviews/mine/").content.decode()
    assert _nav(interviewer) == ["interviews", "calendar", "admin"]
    assert users.interviewer.username in interviewer or users.interviewer.full_name in interviewer
    sysadmin = _client(users.admin).get("/admin/").content.decode()
    assert "today" not in _nav(sysadmin) and "admin" in _nav(sysadmin)


def test_r_ui_1_the_header_without_login_has_no_personal_links():
    html = Client().get("/admin/login/").content.decode()
    assert 'id="site-header"' in html and _nav(html) == [] and "/admin/logout/" not in html


# -- refused and missing pages -------------------------------------------------------------------------------------

def test_r_ui_1_a_refused_page_is_styled_with_the_header_and_a_way_back(users):
    """R-UI-1: the interviewer opening Today gets 403 on the styled page (header with their name, a link back to
    their start page), not Django's bare "403 Forbidden"."""
    users.interviewer.full_name = "李医生"
    users.interviewer.save()
    response = _client(users.interviewer).get("/dashboard/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'id="site-header"' in html and "李医生" in html
    assert re.search(r'id="back-to-start" href="/interviews/mine/"', html)
    assert "You may not open this page" in html


def test_r_ui_1_a_refused_admin_page_is_the_styled_page_too(users):
    response = _client(users.interviewer).get("/admin/onboarding/offer/add/")
    assert response.status_code == 403
    assert 'id="back-to-start" href="/interviews/mine/"' in response.content.decode()


def test_r_ui_1_refusals_under_api_stay_json(users):
    """R-UI-1: the 403 page is for people; under /api/ the answer stays the API's JSON error."""
    response = _client(users.interviewer).get("/api/v1/dashboard/figures/todo/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "permission_denied"
    # a refusal raised outside DRF (handler403) under /api/ is JSON as well, HTML elsewhere
    api = permission_denied(RequestFactory().get("/api/v1/anything/"))
    assert api.status_code == 403 and api["Content-Type"] == "application/json"
    page = RequestFactory().get("/somewhere/")
    page.user = users.hr
    html = permission_denied(page)
    assert html.status_code == 403 and b'id="back-to-start" href="/dashboard/"' in html.content


def test_r_ui_1_a_missing_page_is_styled_and_the_api_404_stays_json(users):
    response = _client(users.hr).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="site-header"' in html and 'id="back-to-start" href="/dashboard/"' in html
    api = _client(users.hr).get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/json")
    anonymous = Client().get("/no-such-page/")
    assert anonymous.status_code == 404 and 'id="back-to-start" href="/"' in anonymous.content.decode()


# -- my interviews -------------------------------------------------------------------------------------------------

def _interview(app, start, *, interviewers, state="scheduled", room=None):
    from interviews.models import Interview

    interview = Interview.objects.create(application=app, state=state, starts_at=start,
                                         ends_at=start + dt.timedelta(minutes=45), room=room)
    interview.interviewers.set(interviewers)
    return interview


def test_r_ui_1_my_interviews_lists_only_the_users_interviews_upcoming_first_in_local_time(users, org, time_machine):
    from interviews.models import Room

    now = dt.datetime(2026, 5, 11, 9, 0, tzinfo=SH)  # a Monday
    time_machine.move_to(now, tick=False)
    job = JobFactory(department=org.emergency, title="急诊护士")
    room = Room.objects.create(name="面试室 A", department=org.emergency, location="门诊楼 3 层")
    mine_soon = _interview(ApplicationFactory(job=job, candidate__name="张三"), now + dt.timedelta(hours=5),
                           interviewers=[users.interviewer], room=room)
    mine_later = _interview(ApplicationFactory(job=job, candidate__name="李四"), now + dt.timedelta(days=2),
                            interviewers=[users.interviewer, users.er_manager])
    mine_past = _interview(ApplicationFactory(job=job, candidate__name="王五"), now - dt.timedelta(days=1),
                           interviewers=[users.interviewer], state="completed")
    _interview(ApplicationFactory(job=job, candidate__name="赵六"), now + dt.timedelta(hours=3),
               interviewers=[users.er_manager])
    _interview(ApplicationFactory(job=job, candidate__name="钱七"), now + dt.timedelta(hours=4),
               interviewers=[users.interviewer], state="cancelled")

    response = _client(users.interviewer).get("/interviews/mine/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "赵六" not in html and "钱七" not in html  # not theirs; cancelled
    upcoming = html[html.index('id="upcoming-interviews"'):html.index('id="past-interviews"')]
    past = html[html.index('id="past-interviews"'):]
    assert upcoming.index("张三") < upcoming.index("李四") and "王五" not in upcoming
    assert "王五" in past and "Not submitted yet" in past
    assert "14:00–14:45" in upcoming  # 09:00 + 5 h, Asia/Shanghai
    assert "面试室 A" in upcoming and "门诊楼 3 层" in upcoming and "急诊护士" in upcoming
    log = AccessLog.objects.get(actor=users.interviewer, object_type="interviews.interview")
    assert log.kind == "view" and set(log.detail.split(": ")[1].split(",")) == {
        str(mine_soon.pk), str(mine_later.pk), str(mine_past.pk)}

    manager_html = _client(users.er_manager).get("/interviews/mine/").content.decode()
    assert "赵六" in manager_html and "李四" in manager_html and "张三" not in manager_html
