"""AI interview invitations: vendor assessment id, tracked link, outbox message, candidate actions (R-AI-7)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from candidates.models import TransitionLog
from hrsys.api.errors import Conflict
from interviews.ai import services
from interviews.ai.models import AIInterviewResult, AIInvitation, InvitationEvent
from interviews.models import Interview
from notifications.models import Notification, TrackedLink
from tests.ai_interviews.factories import ApplicationFactory


@pytest.fixture
def screening(er_job, generic_vendor):
    return ApplicationFactory(job=er_job, state="screening")


def invite(actor, app, **kw):
    kw.setdefault("deadline", timezone.now() + datetime.timedelta(days=2))
    return services.ai_interview_invite(actor=actor, application_id=app.pk, vendor_slug="acme", **kw)


def test_r_ai_7_invitation_records_assessment_id_link_deadline_and_sends_the_guide(screening, users, worker):
    """R-AI-7: the invitation keeps the vendor assessment id, moves invite_ai and goes out with the guide,
    booked as the AI interview that interviews reminds about and watches (R-NS-1, R-NS-9)."""
    with worker.committing():
        invitation = invite(users.hr, screening, assessment_id="cbb3e136")
    screening.refresh_from_db()
    assert screening.state == "ai_invited"
    assert invitation.assessment_id == "cbb3e136"
    assert invitation.candidate_url == "https://ai.example.org/start/cbb3e136"
    interview = Interview.objects.get(application=screening)
    assert (interview.kind, interview.state, interview.vendor_reference) == ("ai", "scheduled", "cbb3e136")
    assert interview.deadline == invitation.deadline and interview.meeting_url == invitation.candidate_url
    note = Notification.objects.get(pk=invitation.notification_id)
    assert note.template_key == "ai_interview_invitation"
    assert (note.related_type, note.related_id) == ("interviews.interview", str(interview.pk))
    link = TrackedLink.objects.get(notification=note, target_url=invitation.candidate_url)
    assert f"/l/{link.token}" in note.body
    assert InvitationEvent.objects.filter(invitation=invitation, kind="invited").exists()
    # one invitation per channel, not one from each app
    invites = Notification.objects.filter(related_type="interviews.interview", related_id=str(interview.pk),
                                          idempotency_key__contains=":invite:")
    assert sorted(invites.values_list("channel", flat=True)) == ["email", "sms"]
    assert not Notification.objects.filter(related_type="ai_interviews.aiinvitation").exists()
    # no set time, so no calendar event for "now": the e-mail carries the link and the deadline
    assert invites.get(channel="email").attachments == []


def test_r_ai_7_an_agreed_time_is_a_slot_and_a_move_keeps_the_vendor_deadline(screening, users, worker):
    from interviews import services as interview_services

    deadline = timezone.now() + datetime.timedelta(days=6)
    agreed = timezone.now() + datetime.timedelta(days=3)
    with worker.committing():
        invite(users.hr, screening, deadline=deadline, starts_at=agreed)
    interview = Interview.objects.get(application=screening)
    email = Notification.objects.get(related_type="interviews.interview", related_id=str(interview.pk),
                                     idempotency_key__endswith=":invite:email")
    assert email.attachments[0]["filename"] == "invite.ics"  # a set time: a calendar event
    reminder = Notification.objects.get(related_type="interviews.interview", related_id=str(interview.pk),
                                        idempotency_key__contains=":2d:sms")
    assert reminder.due_at == agreed - datetime.timedelta(days=2)  # counted back from the agreed time
    with worker.committing():
        moved = interview_services.interview_reschedule(actor=users.hr, interview_id=interview.pk,
                                                        starts_at=agreed + datetime.timedelta(days=1))
    assert moved.deadline == deadline and moved.vendor_reference == interview.vendor_reference


def test_r_ns_1_an_open_invitation_is_reminded_before_its_deadline(screening, users, worker):
    """Take it any time before the deadline: the reminders count back from the deadline, not from "now"."""
    deadline = timezone.now() + datetime.timedelta(days=3)
    with worker.committing():
        invite(users.hr, screening, deadline=deadline)
    interview = Interview.objects.get(application=screening)
    reminders = Notification.objects.filter(related_type="interviews.interview", related_id=str(interview.pk),
                                            due_at__gt=timezone.now() + datetime.timedelta(minutes=1))
    due = {(n.idempotency_key.split(":")[3], n.channel): n.due_at for n in reminders}
    assert due[("2d", "sms")] == deadline - datetime.timedelta(days=2)
    assert due[("1h", "voice")] == deadline - datetime.timedelta(hours=1)


def test_r_ns_5_deadline_passed_without_a_result_is_a_no_show_then_reinvited(screening, users, worker,
                                                                                time_machine):
    from hrsys.core.periodic import run_due_jobs

    deadline = timezone.now() + datetime.timedelta(days=2)
    with worker.committing():
        first = invite(users.hr, screening, deadline=deadline)
    time_machine.move_to(deadline + datetime.timedelta(minutes=2), tick=False)
    run_due_jobs(now=timezone.now(), only=["interviews.detect_no_shows"])
    screening.refresh_from_db()
    assert screening.state == "ai_no_show"
    assert Interview.objects.get(vendor_reference=first.assessment_id).state == "no_show"
    with worker.committing():
        second = invite(users.hr, screening, deadline=timezone.now() + datetime.timedelta(days=2))
    screening.refresh_from_db()
    assert screening.state == "ai_invited" and second.assessment_id != first.assessment_id


def test_r_ai_1_the_result_completes_the_booked_interview_and_stops_its_reminders(screening, users, worker,
                                                                                   post_result):
    from tests.ai_interviews.test_ingest import result_body

    with worker.committing():
        invitation = invite(users.hr, screening, assessment_id="A-1",
                            deadline=timezone.now() + datetime.timedelta(days=3))
    interview = Interview.objects.get(vendor_reference="A-1")
    pending = Notification.objects.filter(related_type="interviews.interview", related_id=str(interview.pk),
                                          status="pending", due_at__gt=timezone.now())
    assert pending.exists()
    assert post_result(result_body()).status_code == 202
    worker.run()
    interview.refresh_from_db()
    assert interview.state == "completed"
    assert not pending.exists()  # cancelled: nobody is reminded of an interview they took
    moves = list(TransitionLog.objects.filter(application=screening).values_list("transition", flat=True))
    assert moves.count("ai_complete") == 1 and moves[0] == "invite_ai"
    assert AIInterviewResult.objects.get().invitation == invitation


def test_r_ai_7_only_screening_or_a_missed_ai_interview_can_be_invited(er_job, generic_vendor, users):
    later = ApplicationFactory(job=er_job, state="interviewing")
    with pytest.raises(Conflict):
        invite(users.hr, later)
    assert not AIInvitation.objects.exists() and not Interview.objects.exists()


def test_r_ai_7_opening_the_tracked_link_is_recorded_on_the_invitation(screening, users, worker, client):
    with worker.committing():
        invitation = invite(users.hr, screening)
    link = TrackedLink.objects.get(notification_id=invitation.notification_id, target_url=invitation.candidate_url)
    with worker.committing():
        response = client.get(f"/l/{link.token}")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == AIInvitation.Status.OPENED and invitation.opened_at is not None
    assert InvitationEvent.objects.filter(invitation=invitation, kind="link_open").count() == 1


def test_r_ai_7_bad_invitations_write_nothing(screening, users):
    with pytest.raises(ValidationError) as exc:
        invite(users.hr, screening, deadline=timezone.now() - datetime.timedelta(hours=1))
    assert "deadline" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.ai_interview_invite(actor=users.hr, application_id=screening.pk, vendor_slug="nobody",
                                     deadline=timezone.now() + datetime.timedelta(days=1))
    assert "vendor" in exc.value.message_dict
    screening.refresh_from_db()
    assert screening.state == "screening" and not AIInvitation.objects.exists()


def test_r_ai_7_only_hr_with_move_permission_invites(screening, users):
    with pytest.raises(PermissionDenied):
        invite(users.er_manager, screening)


def test_r_ai_7_invite_api(screening, users, api_as, worker):
    with worker.committing():
        response = api_as(users.hr).post("/api/v1/ai-interviews/invitations/", {
            "application": screening.pk, "vendor": "acme", "deadline": (timezone.now() + datetime.timedelta(days=2))
            .isoformat(), "assessment_id": "X-9"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["assessment_id"] == "X-9"


def test_r_portal_2_the_candidate_sees_any_time_before_the_deadline(screening, users, worker):
    """An open AI invitation is not an appointment: the portal says until when, not a start time."""
    from django.test import Client

    from onboarding.links import portal_token

    deadline = timezone.now() + datetime.timedelta(days=2)
    with worker.committing():
        invite(users.hr, screening, deadline=deadline)
    interview = Interview.objects.get(application=screening)
    assert interview.open_until_deadline
    client = Client()
    assert client.get(f"/portal/l/{portal_token(screening.candidate_id)}/").status_code == 302
    local_deadline = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    page = client.get(f"/portal/interviews/{interview.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="open-until"' in page and local_deadline in page
    home = client.get("/portal/").content.decode()
    assert local_deadline in home


def test_r_ai_7_rejecting_the_application_cancels_the_open_invitation(screening, users, worker):
    from candidates.services import application_transition

    with worker.committing():
        invitation = invite(users.hr, screening)
        application_transition(actor=users.hr, application_id=screening.pk, transition="reject", reason="资历不足")
    invitation.refresh_from_db()
    assert invitation.status == AIInvitation.Status.CANCELLED
    assert Interview.objects.get(application=screening).state == "cancelled"
