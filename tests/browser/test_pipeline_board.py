"""Pipeline board in real Chromium (issue 14, item 3): HR opens a job's board from the header, moves an
application by button to the next stage (read back from the database), tries an illegal move and sees it refused
in words, and moves another card by drag and drop. Screenshots go to artifacts/screenshots/.

R-UI-3: a board per job with a column per stage, counts and cards; moves by button or drag with the service's
guards; a refused move names the move and the moves allowed now by their labels and changes nothing.
"""

import pytest
from django.utils import translation

from tests.browser.staff import LAPTOP, PHONE, path_of, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_ui_3_hr_moves_on_the_board_and_an_illegal_move_is_refused_in_words(browser, live_server, users, org,
                                                                              shot):
    """R-UI-3: header -> boards -> the job's board; "Start screening" on a card moves it (DB); dragging it from
    screening to "AI interview completed" is refused with a readable Chinese message naming the allowed moves;
    drag and drop moves another card to the next column."""
    from candidates import services
    from candidates.models import Application, TransitionLog
    from tests.candidates.factories import ApplicationFactory, JobFactory

    job = JobFactory(department=org.emergency, title="急诊护士", priority="urgent")
    first = ApplicationFactory(job=job, candidate__name="周敏", match_score=88)
    second = ApplicationFactory(job=job, candidate__name="李娜", match_score=75)
    ApplicationFactory(job=job, candidate__name="王强", state="interviewing", match_score=66)

    context, page = staff_login(browser, live_server, users.hr, viewport=LAPTOP)
    page.click('#site-header a[data-nav="boards"]')
    page.wait_for_load_state()
    assert path_of(page, live_server) == "/workspace/jobs/"
    shot(page, "board-jobs-hr-zh-hans")
    page.click(f'#board-jobs tr[data-job="{job.pk}"] a')
    page.wait_for_load_state()
    assert path_of(page, live_server) == f"/workspace/jobs/{job.pk}/board/"
    assert page.locator('#col-new .count').inner_text() == "2"
    shot(page, "board-hr-before-zh-hans")

    card = page.locator(f"#card-{first.pk}")
    card.locator("details.moves summary").click()
    with translation.override("zh-hans"):
        label = services.transition_label("screen")
    button = card.locator('button[data-move="screen"]')
    assert button.inner_text().strip() == label
    shot(page, "board-hr-card-moves-zh-hans")
    button.click()
    page.wait_for_load_state()
    first.refresh_from_db()
    assert first.state == "screening"
    assert TransitionLog.objects.get(application=first).actor == users.hr
    assert "周敏" in page.locator("#board-messages li.success").inner_text()
    assert page.locator(f"#col-screening #card-{first.pk}").count() == 1
    assert page.locator('#col-screening .count').inner_text() == "1"

    # an illegal move: dragged from screening to "AI interview completed" (only an invited one completes)
    assert page.locator(f"#card-{first.pk} [data-move=ai_complete]").count() == 0  # no button for it
    with page.expect_navigation():
        page.locator(f"#card-{first.pk}").drag_to(page.locator("#col-ai_completed"))
    message = page.locator("#board-messages li.error").inner_text()
    with translation.override("zh-hans"):
        refused, allowed = services.transition_label("ai_complete"), [
            services.transition_label(n) for n in services.allowed_transitions(first, users.hr)]
    assert "未移动" in message and "周敏" in message and refused in message
    assert all(a in message for a in allowed) and "advance_to_interview" not in message and "ai_complete" not in message
    assert Application.objects.get(pk=first.pk).state == "screening"
    assert TransitionLog.objects.filter(application=first).count() == 1
    shot(page, "board-hr-illegal-move-zh-hans")

    # drag and drop (board.js): the card goes to the next column through the same form
    with page.expect_navigation():
        page.locator(f"#card-{second.pk}").drag_to(page.locator("#col-screening"))
    page.wait_for_selector(f"#col-screening #card-{second.pk}")
    assert Application.objects.get(pk=second.pk).state == "screening"
    shot(page, "board-hr-after-drag-zh-hans")
    context.close()

    phone, page = staff_login(browser, live_server, users.hr, viewport=PHONE)
    page.goto(f"{live_server.url}/workspace/jobs/{job.pk}/board/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "board-hr-phone-zh-hans")
    phone.close()


def test_r_ui_3_a_manager_sees_the_department_board_read_only(browser, live_server, users, org, shot):
    """R-UI-3: a hiring manager reaches the department's boards from the header; no move controls."""
    from tests.candidates.factories import ApplicationFactory, JobFactory

    job = JobFactory(department=org.emergency, title="急诊护士")
    ApplicationFactory(job=job, candidate__name="孙丽", state="interviewing", match_score=80)
    context, page = staff_login(browser, live_server, users.er_manager)
    page.click('#site-header a[data-nav="pipeline"]')
    page.wait_for_load_state()
    page.click(f'#board-jobs tr[data-job="{job.pk}"] a')
    page.wait_for_load_state()
    assert "孙丽" in page.locator("#col-interviewing").inner_text()
    assert page.locator("#board-read-only").is_visible()
    assert page.locator("details.moves").count() == 0
    shot(page, "board-manager-read-only-zh-hans")
    context.close()
