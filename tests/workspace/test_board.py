"""Pipeline board per job (issue 14, item 3; R-UI-3): columns and counts, cards, filters, scope, read-only for
managers, moves through the API's service with readable refusals, and a query count that does not grow with the
number of applications."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from candidates.models import Application, TransitionLog
from tests.candidates.factories import ApplicationFactory, CandidateFactory, CredentialFactory, JobFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _board(job):
    return f"/workspace/jobs/{job.pk}/board/"


def _column(html, key):
    match = re.search(rf'<section class="board-column[^"]*" data-state="{key}".*?</section>', html, re.S)
    assert match, key
    return match.group(0)


def _count(html, key):
    return int(re.search(r'data-count="(\d+)"', _column(html, key)).group(1))


def _ai_result(app, score, received_at):
    from interviews.ai.models import AIInterviewResult
    from tests.ai_interviews.factories import VendorFactory

    return AIInterviewResult.objects.create(application=app, vendor=VendorFactory(), vendor_result_id=f"R-{app.pk}-{score}",
                                            overall_score=score, decision="pass", received_at=received_at)


def test_r_ui_3_columns_in_pipeline_order_with_counts_and_cards(users, er_job):
    """R-UI-3: a column per open stage in pipeline order plus one "closed" column; counts by stage; cards with
    name, match, the latest AI score, the next interview in Asia/Shanghai and the flags."""
    from interviews.models import Interview

    top = ApplicationFactory(job=er_job, candidate__name="张晓梅", state="interviewing", match_score=91)
    CredentialFactory(candidate=top.candidate, expires_on=timezone.localdate() + dt.timedelta(days=10))
    _ai_result(top, 70.0, timezone.now() - dt.timedelta(days=3))
    _ai_result(top, 84.0, timezone.now() - dt.timedelta(days=1))  # the latest counts
    start = timezone.now().replace(microsecond=0, second=0) + dt.timedelta(days=2)
    Interview.objects.create(application=top, state="scheduled", starts_at=start, ends_at=start + dt.timedelta(hours=1))
    Interview.objects.create(application=top, state="cancelled", starts_at=start - dt.timedelta(hours=5),
                             ends_at=start - dt.timedelta(hours=4))
    ApplicationFactory(job=er_job, candidate__name="李娜", state="new", match_score=40)  # no licence
    ApplicationFactory.create_batch(3, job=er_job, state="screening")
    ApplicationFactory(job=er_job, state="rejected")
    ApplicationFactory(job=er_job, state="withdrawn")
    ApplicationFactory(job=JobFactory(department=er_job.department), state="new")  # another job

    html = _client(users.hr).get(_board(er_job)).content.decode()
    keys = re.findall(r'<section class="board-column[^"]*" data-state="([a-z_]+)"', html)
    assert keys == ["new", "screening", "ai_invited", "ai_completed", "ai_no_show", "ai_review", "interviewing",
                    "offer", "hired", "employee", "closed"]
    assert (_count(html, "new"), _count(html, "screening"), _count(html, "interviewing"), _count(html, "closed")) \
        == (1, 3, 1, 2)
    assert "data-application" not in _column(html, "closed")  # closed cards behind the filter
    card = _column(html, "interviewing")
    assert "张晓梅" in card and f'/workspace/applications/{top.pk}/"' in card
    assert '<dd class="match">91</dd>' in card and '<dd class="ai">84</dd>' in card
    assert timezone.localtime(start).strftime("%Y-%m-%d %H:%M") in card  # Asia/Shanghai
    assert "expires on" in card and "Urgent job" in card
    assert "is missing" in _column(html, "new")

    closed = _client(users.hr).get(_board(er_job) + "?closed=1").content.decode()
    assert _column(closed, "closed").count("data-application=") == 2


def test_r_ui_3_filters_source_min_score_and_name(users, er_job):
    """R-UI-3: the filters narrow cards and counts."""
    ApplicationFactory(job=er_job, candidate__name="王芳", source="referral", match_score=90)
    ApplicationFactory(job=er_job, candidate__name="赵敏", source="campus", match_score=50)
    client = _client(users.hr)
    html = client.get(_board(er_job) + "?source=referral").content.decode()
    assert "王芳" in html and "赵敏" not in html and _count(html, "new") == 1
    html = client.get(_board(er_job) + "?min_score=60").content.decode()
    assert "王芳" in html and "赵敏" not in html
    html = client.get(_board(er_job) + "?q=赵").content.decode()
    assert "赵敏" in html and "王芳" not in html


def test_r_ui_3_cards_per_column_are_capped_with_show_more(users, er_job, monkeypatch):
    """R-UI-3: a column shows at most CARD_LIMIT cards, best match first; "show more" opens that column."""
    from workspace import board

    monkeypatch.setattr(board, "CARD_LIMIT", 2)
    for score in (10, 90, 50):
        ApplicationFactory(job=er_job, match_score=score, candidate__name=f"候选{score}")
    client = _client(users.hr)
    html = client.get(_board(er_job)).content.decode()
    column = _column(html, "new")
    assert column.count("data-application=") == 2 and _count(html, "new") == 3
    assert column.index("候选90") < column.index("候选50") and "候选10" not in column
    more = re.search(r'<a class="more" href="([^"]+)"', column).group(1).replace("&amp;", "&")
    assert more == _board(er_job) + "?more=new"
    assert _column(client.get(more).content.decode(), "new").count("data-application=") == 3


def test_r_ui_3_job_list_counts_per_stage(users, er_job, it_job):
    """R-UI-3: /workspace/jobs/ lists the viewer's jobs with counts per stage; a manager sees their department's."""
    ApplicationFactory.create_batch(2, job=er_job, state="screening")
    ApplicationFactory(job=it_job, state="new")
    html = _client(users.hr).get("/workspace/jobs/").content.decode()
    assert er_job.title in html and it_job.title in html and _board(er_job) in html
    row = re.search(rf'<tr data-job="{er_job.pk}">.*?</tr>', html, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row)[:2] == ["0", "2"]
    manager = _client(users.er_manager).get("/workspace/jobs/").content.decode()
    assert er_job.title in manager and it_job.title not in manager


def test_r_ui_3_another_organisations_job_is_404(users, org, er_job):
    """R-UI-3: a job outside the viewer's scope answers 404 like a missing one; so does a move of its application."""
    company_job = JobFactory(department=org.company)
    app = ApplicationFactory(job=company_job)
    client = _client(users.hr)
    assert client.get(_board(company_job)).status_code == 404
    assert client.get("/workspace/jobs/999999/board/").status_code == 404
    assert client.post(f"/workspace/board/move/{app.pk}/", {"transition": "screen"}).status_code == 404
    assert _client(users.it_manager).get(_board(er_job)).status_code == 404
    app.refresh_from_db()
    assert app.state == "new"


def test_r_ui_3_a_manager_sees_the_board_read_only(users, er_job):
    """R-UI-3: a hiring manager sees their department's board without move buttons and cannot move."""
    app = ApplicationFactory(job=er_job, candidate__name="孙丽", state="screening")
    client = _client(users.er_manager)
    html = client.get(_board(er_job)).content.decode()
    assert "孙丽" in html and 'id="board-read-only"' in html
    assert "/workspace/board/move/" not in html and "board.js" not in html
    assert client.post(f"/workspace/board/move/{app.pk}/", {"transition": "advance_to_interview"}).status_code == 403
    app.refresh_from_db()
    assert app.state == "screening"


def test_r_ui_3_move_by_button_goes_through_the_service(users, er_job):
    """R-UI-3, R-PIPE-2: a move button moves the application, logged like an API move, back to the board."""
    app = ApplicationFactory(job=er_job, candidate__name="周婷")
    client = _client(users.hr)
    html = client.get(_board(er_job)).content.decode()
    assert 'data-move="screen"' in html and "Start screening" in html
    back = _board(er_job) + "?min_score=0"
    response = client.post(f"/workspace/board/move/{app.pk}/", {"transition": "screen", "back": back})
    assert response.status_code == 302 and response["Location"] == back
    app.refresh_from_db()
    assert app.state == "screening"
    assert TransitionLog.objects.get(application=app).actor == users.hr
    page = client.get(back).content.decode()
    assert "周婷: Start screening done." in page
    # by target stage (what drag and drop submits)
    client.post(f"/workspace/board/move/{app.pk}/", {"to": "interviewing"})
    app.refresh_from_db()
    assert app.state == "screening"  # the licence is missing: the guard refuses
    response = client.post(f"/workspace/board/move/{app.pk}/", {"to": "ai_invited", "back": "https://evil.example/"})
    assert response["Location"] == _board(er_job)


def test_r_ui_3_an_illegal_move_is_refused_in_words_and_changes_nothing(users, er_job):
    """R-UI-3: an illegal move names the move and the allowed ones by their labels (not codes); nothing changes;
    a move needing a reason without one is refused too; a guard's refusal explains itself."""
    app = ApplicationFactory(job=er_job, candidate__name="钱敏")
    client = _client(users.hr)
    client.post(f"/workspace/board/move/{app.pk}/", {"to": "offer"})
    html = client.get(_board(er_job)).content.decode()
    assert "Not moved: 钱敏. Make an offer is not possible from the stage New." in html
    assert "Allowed now: Start screening" in html and "make_offer" not in html.split("board-messages")[1][:400]
    client.post(f"/workspace/board/move/{app.pk}/", {"transition": "reject"})
    html = client.get(_board(er_job)).content.decode()
    assert "Give a reason for this move." in html
    app.refresh_from_db()
    assert app.state == "new" and not TransitionLog.objects.filter(application=app).exists()
    Application.objects.filter(pk=app.pk).update(state="screening")
    client.post(f"/workspace/board/move/{app.pk}/", {"transition": "advance_to_interview"})
    html = client.get(_board(er_job)).content.decode()
    assert "credential requirements" in html
    client.post(f"/workspace/board/move/{app.pk}/", {"transition": "reject", "reason": "资历不符"})
    app.refresh_from_db()
    assert app.state == "rejected"


def test_r_ui_3_the_move_address_takes_only_post(users, er_job):
    """R-UI-3: a GET on the move address moves nothing."""
    app = ApplicationFactory(job=er_job)
    assert _client(users.hr).get(f"/workspace/board/move/{app.pk}/").status_code == 405


def _populate(job, n):
    from interviews.models import Interview

    states = ["new", "screening", "interviewing", "offer", "rejected"]
    start = timezone.now() + dt.timedelta(days=1)
    for i in range(n):
        app = ApplicationFactory(job=job, state=states[i % len(states)], match_score=i % 100,
                                 candidate=CandidateFactory())
        CredentialFactory(candidate=app.candidate)
        _ai_result(app, float(i % 100), timezone.now())
        Interview.objects.create(application=app, state="scheduled", starts_at=start,
                                 ends_at=start + dt.timedelta(hours=1))


@pytest.mark.parametrize("n", [3, 30])
def test_r_ui_3_queries_do_not_grow_with_the_applications(users, er_job, n, django_assert_max_num_queries):
    """R-UI-3: the board's queries do not depend on the number of applications or cards (no query per card)."""
    _populate(er_job, n)
    client = _client(users.hr)
    client.get(_board(er_job))
    with django_assert_max_num_queries(15):
        response = client.get(_board(er_job) + "?closed=1")
    assert response.content.decode().count("data-application=") == n
    with django_assert_max_num_queries(12):
        client.get("/workspace/jobs/")


def test_r_ui_3_cards_escape_what_people_typed_and_name_a_closed_stage(users, er_job):
    """The cards are written in Python (issue 17: the template's per-card tags took most of the page's time): a
    name with markup is shown as text, never as markup; a closed card names its stage; a card with no moves
    says so, and the read-only board has no move forms."""
    ApplicationFactory(job=er_job, candidate__name='<b>A&B</b> "x"', state="new", match_score=None)
    ApplicationFactory(job=er_job, candidate__name="周敏", state="rejected", match_score=50)
    ApplicationFactory(job=er_job, candidate__name="王强", state="employee", match_score=60)

    html = _client(users.hr).get(_board(er_job) + "?closed=1").content.decode()
    card = _column(html, "new")
    assert "&lt;b&gt;A&amp;B&lt;/b&gt; &quot;x&quot;" in card and "<b>A&B</b>" not in card
    assert '<dd class="match">–</dd>' in card and '<dd class="ai">–</dd>' in card
    assert "draggable=\"true\"" in card and 'name="csrfmiddlewaretoken"' in card
    closed = _column(html, "closed")
    assert "周敏" in closed and '<div class="muted">Rejected</div>' in closed
    assert "No moves are possible now." in _column(html, "employee")

    read_only = _client(users.er_manager).get(_board(er_job)).content.decode()
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in read_only
    assert "move-form" not in read_only and "draggable" not in read_only
