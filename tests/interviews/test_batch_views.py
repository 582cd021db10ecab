"""Batch scheduling in the browser (issue 14, item 4; R-SCHED-2, R-UI-4): the page lists the job's applications
eligible for the round, the preview is the engine's plan with nothing booked (and it is what the run then books),
bad input shows the service's errors with nothing queued, the run page shows progress, the booked interviews and
the unplaced in words; scope (404) and permission (403); candidate lists access-logged."""

import datetime as dt
import re

import pytest
import time_machine

from hrsys.audit.models import AccessLog
from interviews import scheduling, services
from interviews.batch_preview import REASONS, reason_text
from interviews.models import BatchRun, Interview, Room
from notifications.models import Notification
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.factories import UserFactory

from .conftest import SH, local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 10)  # a Monday
URL = "/interviews/batch/"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _apps(world, n, **kw):
    return [ApplicationFactory(job=world.job, state="screening", match_score=90 - i, **kw) for i in range(n)]


def _form(world, apps, *, action="preview", day_from="2026-03-03", day_to="2026-03-03", **extra):
    data = {"round": world.round.pk, "date_from": day_from, "date_to": day_to, "panel_pick": 1,
            "required": [world.i1.pk, world.i2.pk], "applications": [a.pk for a in apps], "action": action}
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def _login(client, user):
    client.force_login(user)
    return client


def test_r_ui_4_the_page_lists_the_eligible_applications_with_filters(world, client, frozen):
    """R-UI-4: open applications at a stage where an interview is next, without an interview of the round;
    filterable by stage and minimum match score; the candidate list is access-logged."""
    good = ApplicationFactory(job=world.job, state="screening", match_score=80, candidate__name="张三")
    ai = ApplicationFactory(job=world.job, state="ai_completed", match_score=60, candidate__name="李四")
    ApplicationFactory(job=world.job, state="rejected", candidate__name="王五")
    booked = ApplicationFactory(job=world.job, state="interviewing", candidate__name="赵六")
    Interview.objects.create(application=booked, round=world.round, state="scheduled",
                             starts_at=local(2026, 3, 5, 9), ends_at=local(2026, 3, 5, 10))
    ApplicationFactory(candidate__name="孙七", state="screening")  # another job
    c = _login(client, world.users.hr)
    page = c.get(URL, {"job": world.job.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "张三" in text and "李四" in text and world.candidate.name in text
    assert "王五" not in text and "赵六" not in text and "孙七" not in text
    # the round's interviewers are offered as the panel, one per candidate
    assert f'value="{world.i1.pk}"' in text and 'name="panel_pick"' in text
    # the second round: 赵六 has no interview of it, so is listed there
    assert "赵六" in c.get(URL, {"job": world.job.pk, "round": world.final.pk}).content.decode()
    narrowed = c.get(URL, {"job": world.job.pk, "stage": "ai_completed"}).content.decode()
    assert "李四" in narrowed and "张三" not in narrowed
    scored = c.get(URL, {"job": world.job.pk, "min_score": 70}).content.decode()
    assert "张三" in scored and "李四" not in scored
    # "select all" without JavaScript: every listed application comes checked
    checked = c.get(URL, {"job": world.job.pk, "all": "1"}).content.decode()
    assert f'value="{good.pk}" id="app-{good.pk}" checked' in checked and f'id="app-{ai.pk}" checked' in checked
    log = AccessLog.objects.filter(actor=world.users.hr, object_type="candidates.application").last()
    assert log is not None and str(good.pk) in log.detail


def test_r_sched_2_preview_is_the_engines_plan_books_nothing_and_is_what_the_run_books(world, client, queue, frozen):
    """R-SCHED-2 / R-UI-4: the preview lists exactly the engine's placements (who, when in Beijing time, with
    whom) and the unplaced with reasons in words; nothing is booked or queued. Confirm queues one run through
    batch_schedule_start; the run books the previewed times and sends invitations."""
    apps = _apps(world, 11) + [world.app]
    c = _login(client, world.users.hr)
    with queue.capture(execute=True):
        response = c.post(f"{URL}?job={world.job.pk}", _form(world, apps))
    assert response.status_code == 200, response.content.decode()[:2000]
    preview = response.context["preview"]
    # independent: the same requests through the engine
    engine, requests, _apps_by_id = services.batch_plan_setup(
        round_obj=world.round, application_ids=[a.pk for a in apps], panel=[], panel_pick=0,
        required=[world.i1.pk, world.i2.pk], room_ids=[], period_start=local(2026, 3, 3, 0),
        period_end=local(2026, 3, 4, 0))
    expected = scheduling.schedule_batch(engine, requests)
    assert {(p.application.pk, p.start) for p in preview.planned} == {(p.request_id, p.start) for p in
                                                                      expected.placements}
    assert {u.application.pk for u in preview.unplaced} == {u.request_id for u in expected.unplaced}
    assert preview.planned and preview.unplaced  # two required people, one day: not everyone fits
    assert len(preview.planned) + len(preview.unplaced) == 12
    text = response.content.decode()
    first = preview.planned[0]
    assert first.start.tzinfo is not None and first.start.utcoffset() == dt.timedelta(hours=8)
    assert first.start.strftime("%H:%M") + "–" + first.end.strftime("%H:%M") in text
    assert str(world.i1) in text and str(world.i2) in text
    for u in preview.unplaced:
        assert u.text == str(REASONS[u.reason])
        assert u.text in text
    assert "daily_limit" not in re.sub(r'data-reason="[^"]*"', "", text)  # codes only as data, never as words
    assert Interview.objects.count() == 0 and BatchRun.objects.count() == 0 and queue.batches == []
    # confirm: the same hidden choices the preview carries, through the API's service
    form = dict(re.findall(r'<input type="hidden" name="(round|date_from|date_to|panel_pick)" value="([^"]*)"', text))
    hidden_apps = [int(v) for v in re.findall(r'name="applications" value="(\d+)"', text)]
    assert hidden_apps == [a.pk for a in apps]
    with queue.capture(execute=True):
        done = c.post(f"{URL}?job={world.job.pk}", {**form, "required": [world.i1.pk, world.i2.pk],
                                                    "applications": hidden_apps, "action": "confirm"})
    run = BatchRun.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/interviews/batch/{run.pk}/"
    assert queue.batches == [run.pk] and run.created_by == world.users.hr and run.total == 12
    assert sorted(run.required) == sorted([world.i1.pk, world.i2.pk])
    run = services.batch_schedule_run(run_id=run.pk)
    booked = {(i.application_id, i.starts_at) for i in Interview.objects.all()}
    assert booked == {(p.application.pk, p.start) for p in preview.planned}
    assert run.placed == len(preview.planned)
    invited = set(Notification.objects.filter(related_type="interviews.interview", template_key__contains="invit")
                  .values_list("related_id", flat=True))
    assert invited == {str(i.pk) for i in Interview.objects.all()}


def test_r_ui_4_errors_are_shown_beside_the_fields_and_nothing_is_queued(world, client, queue, frozen):
    """R-UI-4: a period in the past, no application, a panel pick larger than the panel (the service's own
    check) and an interviewer outside the viewer's scope: the form answers with the errors in words, nothing
    is created or queued."""
    apps = _apps(world, 3)
    c = _login(client, world.users.hr)
    for action in ("preview", "confirm"):
        with queue.capture(execute=True):
            past = c.post(f"{URL}?job={world.job.pk}", _form(world, apps, action=action, day_from="2026-03-01"))
        assert past.status_code == 400
        text = past.content.decode()
        assert 'id="error-summary"' in text and "The period cannot start in the past." in text
        with queue.capture(execute=True):
            empty = c.post(f"{URL}?job={world.job.pk}", _form(world, [], action=action))
        assert "Choose at least one application." in empty.content.decode()
        with queue.capture(execute=True):
            pick = c.post(f"{URL}?job={world.job.pk}", _form(world, apps, action=action, required=None,
                                                            panel=[world.i1.pk, world.i2.pk], panel_pick=3))
        assert pick.status_code == 400
        assert "Pick between 1 and 2 interviewers of the panel." in pick.content.decode()
        backwards = c.post(f"{URL}?job={world.job.pk}", _form(world, apps, action=action, day_to="2026-03-02",
                                                             day_from="2026-03-03"))
        assert "The last day cannot be before the first day." in backwards.content.decode()
        too_long = c.post(f"{URL}?job={world.job.pk}", _form(world, apps, action=action, day_to="2026-06-30"))
        assert "Plan at most two months at once." in too_long.content.decode()
    # the posted choices stay: the applications stay checked after an error
    assert f'id="app-{apps[0].pk}" checked' in pick.content.decode()
    assert BatchRun.objects.count() == 0 and Interview.objects.count() == 0 and queue.batches == []


def test_r_ui_4_change_the_choices_returns_to_the_form_with_them(world, client, frozen):
    """R-UI-4: "Change the choices" on the preview brings back the form with the same choices."""
    apps = _apps(world, 2)
    c = _login(client, world.users.hr)
    back = c.post(f"{URL}?job={world.job.pk}", _form(world, apps, action="edit"))
    assert back.status_code == 200 and 'id="batch-form"' in back.content.decode()
    text = back.content.decode()
    assert all(f'id="app-{a.pk}" checked' in text for a in apps) and 'value="2026-03-03"' in text
    # in Chinese too the date inputs carry ISO dates (a browser drops any other format)
    zh = c.get(URL, {"job": world.job.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'type="date" name="date_from" value="2026-03-03"' in zh
    assert BatchRun.objects.count() == 0


def test_r_ui_4_run_page_shows_progress_then_the_booked_and_the_unplaced(world, client, queue, frozen):
    """R-UI-4: queued: status and 0 of N with a bar polling the JSON; done: the placed count, each booked
    interview linking to its application, the unplaced with the reason in words; access-logged."""
    apps = _apps(world, 10)
    room = Room.objects.create(name="示教室", department=world.org.emergency)
    run = services.batch_schedule_start(
        actor=world.users.hr, job_id=world.job.pk, round_id=world.round.pk, application_ids=[a.pk for a in apps],
        period_start=local(2026, 3, 3, 0), period_end=local(2026, 3, 4, 0), required=[world.i1.pk, world.i2.pk],
        room_ids=[room.pk])
    c = _login(client, world.users.hr)
    queued = c.get(f"/interviews/batch/{run.pk}/")
    assert queued.status_code == 200
    text = queued.content.decode()
    assert f'data-progress-url="/interviews/batch/{run.pk}/progress/"' in text and "0 of 10 processed" in text
    assert 'http-equiv="refresh"' in text  # without JavaScript the page refreshes itself
    assert c.get(f"/interviews/batch/{run.pk}/progress/").json() == {
        "status": "queued", "status_label": "Queued", "done": 0, "total": 10, "placed": 0, "percent": 0,
        "finished": False}
    run = services.batch_schedule_run(run_id=run.pk)
    assert c.get(f"/interviews/batch/{run.pk}/progress/").json()["finished"] is True
    page = c.get(f"/interviews/batch/{run.pk}/")
    text = page.content.decode()
    assert "refresh" not in text and "batch.js" not in text
    booked = list(Interview.objects.filter(application__in=apps).order_by("starts_at"))
    assert len(booked) == run.placed and 0 < run.placed < 10
    assert f"{run.placed} of 10 applications have an interview." in text
    for interview in booked:
        assert f'data-interview="{interview.pk}"' in text
        assert interview.room == room
    link = re.search(rf'data-interview="{booked[0].pk}" data-application="(\d+)">.*?<a href="([^"]+)"', text, re.S)
    assert link and str(booked[0].application_id) in link.group(2)
    assert "示教室" in text
    first = booked[0].starts_at.astimezone(SH).strftime("%H:%M")
    assert first in text
    for entry in run.unplaced:
        assert f'data-application="{entry["application"]}"' in text
        assert reason_text(entry["reason"]) in text
    assert AccessLog.objects.filter(actor=world.users.hr, detail__startswith=f"batch run {run.pk}").exists()


def test_r_ui_4_scope_and_permission(world, client, org, frozen):
    """R-UI-4: without interviews.add_interview 403 on every page; a job or run outside the viewer's scope 404
    (like one that does not exist); the job picker lists only jobs in scope; the board links here for HR only."""
    apps = _apps(world, 2)
    run = services.batch_schedule_start(
        actor=world.users.hr, job_id=world.job.pk, round_id=world.round.pk, application_ids=[a.pk for a in apps],
        period_start=local(2026, 3, 3, 0), period_end=local(2026, 3, 4, 0))
    pages = [f"{URL}?job={world.job.pk}", URL, f"/interviews/batch/{run.pk}/",
             f"/interviews/batch/{run.pk}/progress/"]
    interviewer = _login(client, world.users.interviewer)
    for url in pages:
        assert interviewer.get(url).status_code == 403, url
    assert interviewer.post(f"{URL}?job={world.job.pk}", _form(world, apps)).status_code == 403
    it_hr = UserFactory(username="it_hr", role="hr_staff", departments=[org.it])
    it_job = JobFactory(department=org.it, title="信息工程师")
    c = _login(client, it_hr)
    for url in pages[:1] + pages[2:]:
        assert c.get(url).status_code == 404, url
    assert c.get(f"{URL}?job=987654").status_code == 404
    assert c.post(f"{URL}?job={world.job.pk}", _form(world, apps, action="confirm")).status_code == 404
    picker = c.get(URL).content.decode()
    assert "信息工程师" in picker and world.job.title not in picker
    assert c.get(f"{URL}?job={it_job.pk}").status_code == 200
    assert BatchRun.objects.count() == 1
    hr = _login(client, world.users.hr)
    board = hr.get(f"/workspace/jobs/{world.job.pk}/board/").content.decode()
    assert f'href="/interviews/batch/?job={world.job.pk}" id="batch-schedule-link"' in board
    manager = _login(client, world.users.er_manager)
    assert 'id="batch-schedule-link"' not in manager.get(f"/workspace/jobs/{world.job.pk}/board/").content.decode()
    assert manager.get(f"{URL}?job={world.job.pk}").status_code == 403


def test_r_ui_4_today_starts_from_now_not_midnight(world, client, queue, frozen):
    """R-UI-4: a period starting today (Beijing time) plans from now on, never at a time already past."""
    apps = _apps(world, 4)
    c = _login(client, world.users.hr)
    response = c.post(f"{URL}?job={world.job.pk}", _form(world, apps, day_from="2026-03-02", day_to="2026-03-02"))
    assert response.status_code == 200, response.content.decode()[:1500]
    planned = response.context["preview"].planned
    assert planned and all(p.start >= NOW for p in planned)
