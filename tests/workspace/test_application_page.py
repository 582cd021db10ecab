"""The application page (issue 14 item 2, R-UI-2): everything about one application on one page, within the
viewer's scope, with the moves they may make (the API's service, readable refusals), contact details masked
until revealed (and that reveal logged), and one timeline in Beijing time."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from candidates.models import Application, TransitionLog
from hrsys.audit.models import AccessLog
from tests.candidates.factories import ApplicationFactory, CredentialFactory, JobFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _url(app, tail=""):
    return f"/workspace/applications/{app.pk}/{tail}"


@pytest.fixture
def er_job(org):
    return JobFactory(department=org.emergency, title="急诊科护士", required_credentials=["nurse_licence"])


@pytest.fixture
def app(er_job):
    app = ApplicationFactory(job=er_job, candidate__name="武磊", candidate__phone="+8613912345678",
                             candidate__email="wulei@example.org", state="screening", match_score=82,
                             match_breakdown={"skills": {"score": 30, "max": 40, "matched": ["静脉穿刺"],
                                                         "missing": ["ICU"]}})
    CredentialFactory(candidate=app.candidate, expires_on=timezone.localdate() + dt.timedelta(days=300))
    return app


def test_r_ui_2_hr_sees_every_section_with_contact_details_masked(users, app):
    """R-UI-2: candidate (masked), credentials with the expired one flagged, match in words, AI, interviews,
    messages, offers, onboarding, timeline; the moves allowed now; viewing is access-logged."""
    html = _client(users.hr).get(_url(app)).content.decode()
    for section in ("application-moves", "application-candidate", "application-match", "application-ai",
                    "application-interviews", "application-messages", "application-offers",
                    "application-onboarding", "application-timeline"):
        assert f'id="{section}"' in html, section
    assert "武磊" in html and "+86 139****5678" in html and "w***@example.org" in html
    assert "13912345678" not in html and "wulei@example.org" not in html
    assert "lacks ICU" in html  # the breakdown in words
    assert "Required credential missing or expired" not in html
    assert 'data-move="advance_to_interview"' in html and 'data-move="reject"' in html
    assert AccessLog.objects.filter(actor=users.hr, object_type="candidates.candidate",
                                    object_id=str(app.candidate_id), detail="application page").exists()


def test_r_ui_2_an_expired_licence_is_flagged_and_blocks_the_interview_move(users, app):
    app.candidate.credentials.update(expires_on=timezone.localdate() - dt.timedelta(days=3))
    html = _client(users.hr).get(_url(app)).content.decode()
    assert "Required credential missing or expired" in html and "expired on" in html
    assert 'data-move="advance_to_interview"' not in html and 'data-move="reject"' in html


def test_r_ui_2_reveal_shows_contact_details_once_and_logs_it(users, app):
    client = _client(users.hr)
    html = client.post(_url(app, "reveal/")).content.decode()
    assert "+8613912345678" in html and "wulei@example.org" in html and 'id="revealed-note"' in html
    assert AccessLog.objects.filter(actor=users.hr, object_id=str(app.candidate_id),
                                    detail="application page, contact details revealed").count() == 1
    assert "+8613912345678" not in client.get(_url(app)).content.decode()  # masked again on the next view
    assert client.get(_url(app, "reveal/")).status_code == 405  # a reveal is a deliberate POST


def test_r_ui_2_move_from_the_page_goes_through_the_service_and_returns_here(users, app):
    client = _client(users.hr)
    response = client.post(f"/workspace/board/move/{app.pk}/",
                           {"transition": "advance_to_interview", "back": _url(app)})
    assert response.status_code == 302 and response["Location"] == _url(app)
    app.refresh_from_db()
    assert app.state == "interviewing"
    assert TransitionLog.objects.filter(application=app, transition="advance_to_interview", actor=users.hr).exists()
    page = client.get(_url(app)).content.decode()
    assert "done" in page  # the flash message
    local = timezone.localtime(TransitionLog.objects.get(application=app, transition="advance_to_interview").at)
    assert local.strftime("%Y-%m-%d %H:%M") in page  # the timeline in Beijing time


def test_r_ui_2_a_move_without_its_reason_is_refused_and_changes_nothing(users, app):
    client = _client(users.hr)
    response = client.post(f"/workspace/board/move/{app.pk}/", {"transition": "reject", "back": _url(app)},
                           follow=True)
    app.refresh_from_db()
    assert app.state == "screening"
    assert "Not moved: 武磊" in response.content.decode()


def test_r_ui_2_outside_the_scope_is_404_like_a_missing_id(users, org):
    other = ApplicationFactory(job=JobFactory(department=org.it))
    client = _client(users.er_manager)
    assert client.get(_url(other)).status_code == 404
    assert client.get("/workspace/applications/987654321/").status_code == 404
    assert client.post(_url(other, "reveal/")).status_code == 404


def test_r_ui_2_manager_sees_the_page_without_moves_and_cannot_reveal(users, app):
    client = _client(users.er_manager)
    html = client.get(_url(app)).content.decode()
    assert "武磊" in html and "data-move=" not in html
    assert 'id="reveal-contact"' not in html and "+86 139****5678" in html
    assert client.post(_url(app, "reveal/")).status_code == 403  # HR reveals; managers judge masked data


def test_r_ui_2_interviewer_sees_interview_data_only(users, app):
    """An interviewer booked on the candidate sees the page without messages, offers or onboarding; one not
    booked gets 404."""
    from interviews.models import Interview

    client = _client(users.interviewer)
    assert client.get(_url(app)).status_code == 404
    start = timezone.now() + dt.timedelta(days=1)
    interview = Interview.objects.create(application=app, state="scheduled", starts_at=start,
                                         ends_at=start + dt.timedelta(hours=1))
    interview.interviewers.add(users.interviewer)
    html = client.get(_url(app)).content.decode()
    assert "武磊" in html
    assert 'id="application-messages"' not in html and 'id="application-offers"' not in html
    assert "data-move=" not in html


def test_r_ui_2_draft_offer_link_only_at_the_offer_stages(users, app):
    client = _client(users.hr)
    assert 'id="draft-offer"' not in client.get(_url(app)).content.decode()
    Application.objects.filter(pk=app.pk).update(state="interviewing")
    html = client.get(_url(app)).content.decode()
    assert 'id="draft-offer"' in html and f"/admin/onboarding/offer/add/?application={app.pk}" in html
