"""Batch scheduling in real Chromium (issue 14, item 4): HR batch-schedules 50 applications of one job in the
browser only: from the job's pipeline board to the batch page, select all 50, preview the engine's plan, confirm,
watch the progress page reach "done" while the run goes (the Celery task is run here, in this process, the way the
worker runs it), then the database holds the booked interviews and their invitations. Screenshots go to
artifacts/screenshots/.

R-SCHED-2: a batch of one job's applications placed by the engine, invitations sent, the unplaced explained.
R-UI-4: select, preview (who, when, with whom; nothing booked), confirm, progress shown; usable on a phone.
"""

import re

import pytest

from tests.browser.staff import LAPTOP, no_horizontal_scroll, path_of, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

N = 50
PHONE_360 = {"width": 360, "height": 740}


@pytest.fixture
def batch_world(org, users, message_templates, monkeypatch):
    """A nurse job with a 30-minute clinical round by a panel of three ER interviewers and 50 applications in
    screening; deliveries and the batch run are captured instead of going to a broker."""
    from candidates.models import InterviewRound
    from interviews import tasks as itasks
    from notifications import tasks as ntasks
    from tests.candidates.factories import ApplicationFactory, JobFactory
    from tests.factories import UserFactory

    monkeypatch.setattr(ntasks, "enqueue_delivery", lambda _id: None)  # the outbox rows are what we check
    queued: list[int] = []
    monkeypatch.setattr(itasks, "enqueue_batch", queued.append)
    job = JobFactory(department=org.emergency, title="急诊护士（批量）", priority="normal")
    rnd = InterviewRound.objects.create(job=job, order=1, kind="clinical", duration_minutes=30)
    panel = [users.interviewer,
             UserFactory(username="er_lead", full_name="陈护士长", role="interviewer", departments=[org.emergency]),
             UserFactory(username="er_senior", full_name="刘主管", role="interviewer", departments=[org.emergency])]
    rnd.interviewers.set(panel)
    apps = [ApplicationFactory(job=job, state="screening", match_score=95 - i % 40) for i in range(N)]
    return type("BatchWorld", (), {"job": job, "round": rnd, "panel": panel, "apps": apps, "queued": queued})


def test_r_sched_2_r_ui_4_hr_batch_schedules_50_applications_in_the_browser(browser, live_server, users,
                                                                            batch_world, shot):
    """R-SCHED-2 / R-UI-4: board -> "Batch schedule" -> select all 50 -> preview (50 rows with time and
    interviewer, nothing booked) -> confirm (one run queued) -> the progress page polls until done -> the placed
    number shown equals the Interview rows, each with its invitations; phone width without horizontal scroll."""
    from interviews.models import BatchRun, Interview
    from interviews.tasks import run_batch
    from notifications.models import Notification

    w = batch_world
    context, page = staff_login(browser, live_server, users.hr, viewport=LAPTOP)
    page.goto(f"{live_server.url}/workspace/jobs/{w.job.pk}/board/")
    page.click("#batch-schedule-link")
    page.wait_for_load_state()
    assert path_of(page, live_server) == f"/interviews/batch/?job={w.job.pk}"
    assert "批量排期" in page.locator("h1").inner_text()  # zh-hans
    assert page.locator("#batch-apps tbody tr").count() == N
    # the round's interviewers come as the panel, one per candidate
    for person in w.panel:
        assert page.locator(f'#field-panel input[value="{person.pk}"]').is_checked()
    assert page.locator("#id_panel_pick").input_value() == "1"
    page.check("#select-all")
    assert page.locator("#batch-apps tbody input:checked").count() == N
    assert page.locator("#selected-count").inner_text() == "已选：50"
    shot(page, "batch-choose-hr-zh-hans")

    page.click("#preview-button")
    page.wait_for_selector("#batch-preview")
    planned = page.locator("#planned tbody tr")
    placed_preview = planned.count()
    assert placed_preview == N  # three interviewers, 8 a day each, two weeks: room for everyone
    assert page.locator("#unplaced").count() == 0
    first = planned.first.inner_text()
    assert re.search(r"\d{2}:\d{2}–\d{2}:\d{2}", first)  # when, in Beijing time
    assert any(str(p) in first for p in w.panel)  # with whom
    assert Interview.objects.count() == 0 and BatchRun.objects.count() == 0  # a preview books nothing
    shot(page, "batch-preview-hr-zh-hans")

    page.click("#confirm-button")
    page.wait_for_selector("#batch-progress")
    run = BatchRun.objects.get()
    assert path_of(page, live_server) == f"/interviews/batch/{run.pk}/"
    assert w.queued == [run.pk] and run.total == N
    assert page.locator("#run-bar").get_attribute("max") == str(N)
    assert page.locator("#batch-progress").get_attribute("data-status") == "queued"
    shot(page, "batch-progress-queued-hr-zh-hans")

    run_batch(run.pk)  # what the worker does with the queued id; the page is polling meanwhile
    page.wait_for_selector("#run-placed", timeout=30000)  # batch.js reloaded the page when the run finished
    run.refresh_from_db()
    assert run.status == "done" and run.done == N
    shown = int(re.search(r"\d+", page.locator("#run-placed").inner_text()).group())
    interviews = Interview.objects.filter(application__job=w.job, round=w.round)
    assert shown == run.placed == interviews.count() == placed_preview
    assert page.locator("#booked tbody tr").count() == shown
    assert set(interviews.values_list("application_id", flat=True)) == {a.pk for a in w.apps}
    invited = set(Notification.objects.filter(related_type="interviews.interview",
                                              template_key="interview_invitation")
                  .values_list("related_id", flat=True))
    assert invited == {str(pk) for pk in interviews.values_list("pk", flat=True)}
    # no one double-booked: each interviewer's interviews never overlap
    for person in w.panel:
        times = sorted(interviews.filter(interviewers=person).values_list("starts_at", "ends_at"))
        assert all(a[1] <= b[0] for a, b in zip(times, times[1:], strict=False))
    shot(page, "batch-done-hr-zh-hans")
    link = page.locator("#booked tbody tr a").first
    assert str(interviews.order_by("starts_at", "id").first().application_id) in link.get_attribute("href")
    context.close()

    phone, page = staff_login(browser, live_server, users.hr, viewport=PHONE_360)
    page.goto(f"{live_server.url}/interviews/batch/{run.pk}/")
    assert page.locator("#run-placed").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "batch-done-hr-phone-zh-hans")
    page.goto(f"{live_server.url}/interviews/batch/?job={w.job.pk}")
    assert no_horizontal_scroll(page)
    phone.close()
