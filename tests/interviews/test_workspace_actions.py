"""Interview actions of the application page in the browser's forms (issue 14 item 2; R-UI-2, R-SCHED-1,
R-SCHED-4, R-SCHED-5, R-NS-5, R-NS-6): each action calls the API's service; bad input shows the field errors and
changes nothing; an illegal state is a readable message; 404 outside the viewer's scope, 403 without the
permission; nothing is ever booked or proposed in the past."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from hrsys.audit.models import AccessLog
from interviews import services
from interviews.models import BusyBlock, Interview, InterviewFeedback, RebookingOffer, Room
from interviews.workspace import application_url
from notifications.models import Notification
from tests.factories import DepartmentFactory, UserFactory
from tests.interviews.conftest import SH, local

pytestmark = pytest.mark.django_db
NOW = local(2026, 3, 2, 10, 10)  # a Monday


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def login(client, user):
    client.force_login(user)
    return client


def book(world, start, **extra):
    return services.interview_schedule(actor=world.users.hr, application_id=world.app.pk, round_id=world.round.pk,
                                       starts_at=start, **extra)


def msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def schedule_url(world):
    return reverse("interviews:schedule", args=[world.app.pk])


def candidate_messages(world):
    return Notification.objects.filter(recipient_type="candidates.candidate", recipient_id=str(world.candidate.pk))


# -- schedule ---------------------------------------------------------------------------------------------------

def test_r_ui_2_free_times_are_on_the_half_hour_grid_and_never_in_the_past(client, world):
    """R-UI-2 / R-SCHED-1: the proposals are the engine's free times on whole and half hours (Asia/Shanghai),
    at least an hour ahead, within the interviewers' working hours; the page is access-logged."""
    response = login(client, world.users.hr).get(schedule_url(world))
    assert response.status_code == 200
    days = response.context["days"]
    slots = [s["local"] for d in days for s in d.slots]
    assert slots, "no free time proposed"
    assert all(s.minute in (0, 30) and s.second == 0 for s in slots)
    assert min(slots) >= NOW + dt.timedelta(hours=1)
    # 10:10 + 1 h rounded up is 11:30, but 45 minutes from then run into the 12:00 lunch break
    assert min(slots) == local(2026, 3, 2, 13, 30)
    assert all(dt.time(8, 30) <= s.time() and (s + dt.timedelta(minutes=45)).time() <= dt.time(17, 30)
               for s in slots)
    assert not any(dt.time(12, 0) <= s.time() < dt.time(13, 30) for s in slots)  # lunch break
    assert all(d.day.weekday() < 5 for d in days)  # no weekend
    assert AccessLog.objects.filter(actor=world.users.hr, object_id=str(world.app.pk)).exists()


def test_r_ui_2_a_busy_interviewer_takes_the_time_off_the_grid(client, world):
    BusyBlock.objects.create(user=world.i1, starts_at=local(2026, 3, 3, 8), ends_at=local(2026, 3, 3, 18))
    response = login(client, world.users.hr).get(schedule_url(world))
    days = {d.day for d in response.context["days"]}
    assert dt.date(2026, 3, 3) not in days and dt.date(2026, 3, 4) in days


def test_r_ui_2_clicking_a_free_time_books_it_and_invites_the_candidate(client, world):
    """R-UI-2 / R-SCHED-4: a click books through interview_schedule; the candidate's SMS and e-mail (with the
    .ics) are in the outbox; back to the application page at the interview, with a message."""
    c = login(client, world.users.hr)
    slot = c.get(schedule_url(world)).context["days"][0].slots[0]["value"]
    response = c.post(schedule_url(world), {"round": world.round.pk, "interviewers": [world.i1.pk, world.i2.pk],
                                            "slot": slot})
    interview = Interview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == application_url(world.app.pk, interview.pk)
    assert response["Location"].endswith(f"#interview-{interview.pk}")
    assert interview.state == "scheduled" and interview.starts_at == dt.datetime.fromisoformat(slot)
    assert set(interview.interviewers.all()) == {world.i1, world.i2}
    assert "booked" in msgs(response)[0]
    channels = {n.channel: n for n in candidate_messages(world).filter(template_key="interview_invitation")}
    assert set(channels) == {"sms", "email"}
    assert [a["filename"] for a in channels["email"].attachments] == ["invite.ics"]
    world.app.refresh_from_db()
    assert world.app.state == "interviewing"


def test_r_ui_2_a_typed_time_in_the_past_is_refused_with_a_field_error(client, world):
    response = login(client, world.users.hr).post(schedule_url(world), {
        "round": world.round.pk, "interviewers": [world.i1.pk], "date": "2026-03-02", "time": "09:00"})
    assert response.status_code == 400
    assert "The start is in the past." in response.context["inp"].errors["when"]
    assert "The start is in the past." in response.content.decode()
    assert not Interview.objects.exists() and not Notification.objects.exists()


def test_r_ui_2_a_typed_time_with_a_conflict_is_refused_naming_it(client, world):
    BusyBlock.objects.create(user=world.i1, starts_at=local(2026, 3, 4, 9), ends_at=local(2026, 3, 4, 11))
    response = login(client, world.users.hr).post(schedule_url(world), {
        "round": world.round.pk, "interviewers": [world.i1.pk], "date": "2026-03-04", "time": "10:00"})
    assert response.status_code == 400
    assert any("busy" in m for m in response.context["inp"].errors["when"])
    assert not Interview.objects.exists()


def test_r_ui_2_a_typed_free_time_is_booked(client, world):
    response = login(client, world.users.hr).post(schedule_url(world), {
        "round": world.round.pk, "interviewers": [world.i1.pk], "date": "2026-03-04", "time": "10:00"})
    assert response.status_code == 302
    assert Interview.objects.get().starts_at == local(2026, 3, 4, 10)


def test_r_ui_2_bad_input_names_the_fields_and_books_nothing(client, world):
    c = login(client, world.users.hr)
    no_time = c.post(schedule_url(world), {"round": world.round.pk, "interviewers": [world.i1.pk]})
    assert no_time.status_code == 400 and no_time.context["inp"].errors["when"]
    garbled = c.post(schedule_url(world), {"round": world.round.pk, "interviewers": [world.i1.pk],
                                           "date": "soon", "time": "9"})
    assert garbled.status_code == 400 and garbled.context["inp"].errors["when"]
    stranger = UserFactory(username="it_person", role="interviewer", departments=[DepartmentFactory(code="x-org")])
    foreign = c.post(schedule_url(world), {"round": world.round.pk, "interviewers": [stranger.pk],
                                           "date": "2026-03-04", "time": "10:00"})
    assert foreign.status_code == 400 and foreign.context["inp"].errors["interviewers"]
    wrong_round = c.post(schedule_url(world), {"round": 99999, "interviewers": [world.i1.pk],
                                               "date": "2026-03-04", "time": "10:00"})
    assert wrong_round.status_code == 400 and wrong_round.context["inp"].errors["round"]
    assert not Interview.objects.exists()


def test_r_ui_2_schedule_scope_404_and_permission_403(client, world, org):
    outsider = UserFactory(username="hr_company", role="hr_staff", departments=[org.company])
    assert login(client, outsider).get(schedule_url(world)).status_code == 404
    assert client.post(schedule_url(world), {"round": world.round.pk, "slot": local(2026, 3, 4, 10).isoformat()
                                             }).status_code == 404
    manager = login(client, world.users.er_manager)  # sees the application, may not book
    response = manager.get(schedule_url(world))
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()  # the styled page
    assert manager.post(schedule_url(world), {"round": world.round.pk,
                                              "slot": local(2026, 3, 4, 10).isoformat()}).status_code == 403
    assert not Interview.objects.exists()


def test_r_ui_2_schedule_needs_a_stage_that_allows_it(client, world):
    type(world.app).objects.filter(pk=world.app.pk).update(state="offer")
    response = login(client, world.users.hr).get(schedule_url(world))
    assert response.status_code == 302 and "offer" in msgs(response)[0].lower()


# -- reschedule ---------------------------------------------------------------------------------------------------

def test_r_ui_2_reschedule_is_the_same_form_prefilled_and_moves_the_interview(client, world):
    old = book(world, local(2026, 3, 4, 9))
    c = login(client, world.users.hr)
    url = reverse("interviews:reschedule", args=[old.pk])
    page = c.get(url)
    assert page.status_code == 200
    assert page.context["inp"].date == "2026-03-04" and page.context["inp"].time == "09:00"
    assert set(page.context["inp"].interviewers) == {world.i1.pk, world.i2.pk}
    response = c.post(url, {"interviewers": [world.i1.pk, world.i2.pk], "date": "2026-03-05", "time": "14:00",
                            "reason": "candidate asked"})
    new = Interview.objects.exclude(pk=old.pk).get()
    assert response.status_code == 302 and response["Location"] == application_url(world.app.pk, new.pk)
    old.refresh_from_db()
    assert old.state == "rescheduled" and new.starts_at == local(2026, 3, 5, 14) and new.sequence == 1


def test_r_ui_2_reschedule_to_the_past_changes_nothing(client, world):
    old = book(world, local(2026, 3, 4, 9))
    response = login(client, world.users.hr).post(reverse("interviews:reschedule", args=[old.pk]), {
        "interviewers": [world.i1.pk], "date": "2026-03-01", "time": "10:00"})
    assert response.status_code == 400 and "The start is in the past." in response.context["inp"].errors["when"]
    old.refresh_from_db()
    assert old.state == "scheduled" and Interview.objects.count() == 1


def test_r_ui_2_reschedule_of_a_cancelled_interview_is_refused_in_words(client, world):
    old = book(world, local(2026, 3, 4, 9))
    services.interview_cancel(actor=world.users.hr, interview_id=old.pk, reason="x")
    c = login(client, world.users.hr)
    url = reverse("interviews:reschedule", args=[old.pk])
    page = c.get(url)
    assert page.status_code == 302 and "can be moved" in msgs(page)[0]
    posted = c.post(url, {"date": "2026-03-05", "time": "10:00"})
    assert posted.status_code == 400 and "Cancelled" in " ".join(posted.context["inp"].errors["form"])
    assert Interview.objects.count() == 1


# -- cancel -------------------------------------------------------------------------------------------------------

def test_r_ui_2_cancel_needs_a_reason_and_changes_nothing_without_one(client, world):
    interview = book(world, local(2026, 3, 4, 9))
    c = login(client, world.users.hr)
    url = reverse("interviews:cancel", args=[interview.pk])
    assert c.get(url).status_code == 200
    response = c.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert response.context["inp"].errors["reason"] == ["Give a reason for the cancellation."]
    interview.refresh_from_db()
    assert interview.state == "scheduled"
    done = c.post(url, {"reason": "position filled"})
    assert done.status_code == 302 and done["Location"] == application_url(world.app.pk, interview.pk)
    interview.refresh_from_db()
    assert interview.state == "cancelled" and interview.cancel_reason == "position filled"
    again = c.post(url, {"reason": "twice"})
    assert again.status_code == 302 and "already" in msgs(again)[-1]


def test_r_ui_2_cancel_scope_and_permission(client, world, org):
    interview = book(world, local(2026, 3, 4, 9))
    url = reverse("interviews:cancel", args=[interview.pk])
    assert login(client, world.i1).post(url, {"reason": "x"}).status_code == 403  # on the panel, may not cancel
    assert login(client, world.users.it_manager).post(url, {"reason": "x"}).status_code == 404
    interview.refresh_from_db()
    assert interview.state == "scheduled"


# -- attended / no-show -------------------------------------------------------------------------------------------

def test_r_ui_2_attended_only_once_started_by_hr_or_the_panel(client, world):
    interview = book(world, local(2026, 3, 2, 14))
    url = reverse("interviews:attended", args=[interview.pk])
    early = login(client, world.i1).post(url)
    assert early.status_code == 302 and "has not started" in msgs(early)[0]
    interview.refresh_from_db()
    assert interview.state == "scheduled"
    assert login(client, world.users.er_manager).post(url).status_code == 403  # in scope, not on the panel
    assert client.get(url).status_code == 405
    with time_machine.travel(local(2026, 3, 2, 14, 50), tick=False):
        done = login(client, world.i1).post(url)
    assert done.status_code == 302 and done["Location"] == application_url(world.app.pk, interview.pk)
    interview.refresh_from_db()
    assert interview.state == "completed"


def test_r_ui_2_no_show_starts_the_follow_up_and_is_refused_on_a_held_round(client, world):
    interview = book(world, local(2026, 3, 2, 14))
    with time_machine.travel(local(2026, 3, 2, 15), tick=False):
        response = login(client, world.users.hr).post(reverse("interviews:no-show", args=[interview.pk]),
                                                      {"reason": "did not come"})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.state == "no_show"
    assert RebookingOffer.objects.get(interview=interview).status == "open"
    held = book(world, local(2026, 3, 3, 9))
    with time_machine.travel(local(2026, 3, 3, 10), tick=False):
        services.interview_mark_attended(actor=world.users.hr, interview_id=held.pk)
        refused = login(client, world.users.hr).post(reverse("interviews:no-show", args=[held.pk]))
    assert refused.status_code == 302 and "Nothing changed" in msgs(refused)[-1] and "Completed" in msgs(refused)[-1]
    held.refresh_from_db()
    assert held.state == "completed"


def test_r_ui_2_no_show_scope_and_permission(client, world):
    interview = book(world, local(2026, 3, 2, 11))
    url = reverse("interviews:no-show", args=[interview.pk])
    assert login(client, world.i1).post(url).status_code == 403
    assert login(client, world.users.it_manager).post(url).status_code == 404
    interview.refresh_from_db()
    assert interview.state == "scheduled"


# -- rebook a no-show ------------------------------------------------------------------------------------------------

@pytest.fixture
def missed(world):
    interview = book(world, local(2026, 3, 2, 11))
    with time_machine.travel(local(2026, 3, 2, 12), tick=False):
        services.interview_mark_no_show(actor=world.users.hr, interview_id=interview.pk)
    interview.refresh_from_db()
    return interview


def test_r_ui_2_rebook_a_no_show_at_an_offered_time(client, world, missed):
    """R-NS-6 / R-SCHED-5: HR books the time agreed on the phone; the link sent before is withdrawn, the no-show
    leaves the to-do list, the candidate is invited (SMS, e-mail with .ics)."""
    c = login(client, world.users.hr)
    url = reverse("interviews:no-show-rebook", args=[missed.pk])
    page = c.get(url)
    assert page.status_code == 200
    offered = page.context["offered"]
    assert offered and all(s["local"].minute == 0 and s["local"] > NOW for s in offered)
    response = c.post(url, {"do": "book", "slot": offered[0]["value"]})
    new = Interview.objects.get(previous=missed)
    assert response.status_code == 302 and response["Location"] == application_url(world.app.pk, new.pk)
    assert new.state == "scheduled" and new.round_id == missed.round_id
    assert set(new.interviewers.all()) == set(missed.interviewers.all())
    missed.refresh_from_db()
    assert missed.follow_up_done_at is not None
    assert RebookingOffer.objects.get(interview=missed).status == "withdrawn"
    assert candidate_messages(world).filter(related_id=str(new.pk), template_key="interview_invitation",
                                            channel="email").exists()
    again = c.post(url, {"do": "book", "slot": offered[1]["value"]})
    assert again.status_code == 400 and "handled already" in " ".join(again.context["inp"].errors["form"])
    assert Interview.objects.filter(previous=missed).count() == 1


def test_r_ui_2_rebook_in_the_past_changes_nothing(client, world, missed):
    response = login(client, world.users.hr).post(reverse("interviews:no-show-rebook", args=[missed.pk]),
                                                  {"do": "book", "date": "2026-03-01", "time": "10:00"})
    assert response.status_code == 400 and "The start is in the past." in response.context["inp"].errors["when"]
    missed.refresh_from_db()
    assert missed.follow_up_done_at is None and not Interview.objects.filter(previous=missed).exists()
    assert RebookingOffer.objects.get(interview=missed).status == "open"


def test_r_ui_2_send_a_new_rebooking_link_or_close_the_no_show(client, world, missed):
    c = login(client, world.users.hr)
    url = reverse("interviews:no-show-rebook", args=[missed.pk])
    first = RebookingOffer.objects.get(interview=missed)
    response = c.post(url, {"do": "link"})
    assert response.status_code == 302 and "new link" in msgs(response)[0]
    first.refresh_from_db()
    assert first.status == "withdrawn"
    assert RebookingOffer.objects.filter(interview=missed, status="open").count() == 1
    closed = c.post(url, {"do": "close"})
    assert closed.status_code == 302
    missed.refresh_from_db()
    assert missed.follow_up_done_at is not None
    late = c.post(url, {"do": "link"})
    assert "handled already" in msgs(late)[-1]
    assert RebookingOffer.objects.filter(interview=missed, status="open").count() == 1


def test_r_ui_2_rebook_refused_for_an_interview_that_is_no_no_show(client, world):
    interview = book(world, local(2026, 3, 4, 9))
    c = login(client, world.users.hr)
    url = reverse("interviews:no-show-rebook", args=[interview.pk])
    assert c.get(url).status_code == 302
    posted = c.post(url, {"do": "book", "date": "2026-03-05", "time": "10:00"})
    assert posted.status_code == 400 and "Only a no-show" in " ".join(posted.context["inp"].errors["form"])
    assert Interview.objects.count() == 1


def test_r_ui_2_rebook_scope_and_permission(client, world, missed):
    url = reverse("interviews:no-show-rebook", args=[missed.pk])
    assert login(client, world.users.it_manager).get(url).status_code == 404
    assert client.post(url, {"do": "close"}).status_code == 404
    assert login(client, world.users.er_manager).get(url).status_code == 403
    assert client.post(url, {"do": "close"}).status_code == 403
    missed.refresh_from_db()
    assert missed.follow_up_done_at is None


# -- the panel -------------------------------------------------------------------------------------------------------

def render_panel(user, app):
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load interview_workspace %}{% interviews_panel application %}").render(
        Context({"request": request, "application": app, "csrf_token": "t"}))


def test_r_ui_2_panel_lists_interviews_newest_first_with_feedback_and_the_viewers_actions(world):
    world.job.assessment_dimensions = [{"key": "clinical", "label": "临床"}, {"key": "communication",
                                                                            "label": "沟通"}]
    world.job.save(update_fields=["assessment_dimensions"])
    first = book(world, local(2026, 3, 2, 10, 30))
    second = services.interview_schedule(actor=world.users.hr, application_id=world.app.pk,
                                         round_id=world.final.pk, starts_at=local(2026, 3, 5, 9))
    InterviewFeedback.objects.create(interview=first, interviewer=world.i1, recommendation="yes",
                                     scores={"communication": 4, "clinical": 5}, notes="calm")
    InterviewFeedback.objects.create(interview=first, interviewer=world.i2, recommendation="no",
                                     scores={"clinical": 1}, submitted_at=None)  # a draft: not shown
    with time_machine.travel(local(2026, 3, 2, 11), tick=False):
        html = render_panel(world.users.hr, world.app)
    assert html.index(f'id="interview-{second.pk}"') < html.index(f'id="interview-{first.pk}"')
    block = html[html.index(f'id="interview-{first.pk}"'):]
    assert "2026-03-02" in block and "10:30" in block  # Beijing time
    assert "临床" in block and "沟通" in block and "Recommend" in block and "calm" in block
    assert block.index("临床") < block.index("沟通")  # the job's order of dimensions
    assert "Do not recommend" not in html
    assert 'data-action="attended"' in block and 'data-action="no_show"' in block  # started
    later = html[html.index(f'id="interview-{second.pk}"'):html.index(f'id="interview-{first.pk}"')]
    assert 'data-action="reschedule"' in later and 'data-action="cancel"' in later
    assert 'data-action="no_show"' not in later  # not started yet
    assert "Not confirmed by the candidate yet" in later
    assert 'id="schedule-interview"' in html


def test_r_ui_2_panel_for_a_manager_shows_no_actions_and_an_interviewer_only_attended(world):
    interview = book(world, local(2026, 3, 2, 10, 30))
    with time_machine.travel(local(2026, 3, 2, 11), tick=False):
        manager = render_panel(world.users.er_manager, world.app)
        interviewer = render_panel(world.i1, world.app)
    assert f'id="interview-{interview.pk}"' in manager and "data-action" not in manager
    assert 'id="schedule-interview"' not in manager
    assert 'data-action="attended"' in interviewer and 'data-action="cancel"' not in interviewer


def test_r_ui_2_panel_shows_the_no_show_follow_up_and_rebook(world, missed):
    html = render_panel(world.users.hr, world.app)
    block = html[html.index(f'id="interview-{missed.pk}"'):]
    assert 'data-action="rebook"' in block and "Waiting for the candidate" in block
    assert RebookingOffer.objects.get().expires_at.astimezone(SH).strftime("%Y-%m-%d %H:%M") in block


def test_r_ui_2_rooms_of_another_organisation_are_not_offered(client, world, org):
    Room.objects.create(name="ER room", department=org.emergency)
    Room.objects.create(name="Company room", department=org.company)
    names = [r.name for r in login(client, world.users.hr).get(schedule_url(world)).context["rooms"]]
    assert names == ["ER room"]
