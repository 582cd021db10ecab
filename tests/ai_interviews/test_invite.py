"""AI interview invitations: vendor assessment id, tracked link, outbox message, candidate actions (R-AI-7)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from interviews.ai import services
from interviews.ai.models import AIInvitation, InvitationEvent
from notifications.models import Notification, TrackedLink
from tests.ai_interviews.factories import ApplicationFactory


@pytest.fixture
def screening(er_job, generic_vendor):
    return ApplicationFactory(job=er_job, state="screening")


def invite(actor, app, **kw):
    kw.setdefault("deadline", timezone.now() + datetime.timedelta(days=2))
    return services.ai_interview_invite(actor=actor, application_id=app.pk, vendor_slug="acme", **kw)


def test_r_ai_7_invitation_records_assessment_id_link_deadline_and_sends_the_guide(screening, users, worker):
    """R-AI-7: the invitation keeps the vendor assessment id, moves invite_ai and goes out with the guide."""
    with worker.committing():
        invitation = invite(users.hr, screening, assessment_id="cbb3e136")
    screening.refresh_from_db()
    assert screening.state == "ai_invited"
    assert invitation.assessment_id == "cbb3e136"
    assert invitation.candidate_url == "https://ai.example.org/start/cbb3e136"
    note = Notification.objects.get(pk=invitation.notification_id)
    assert note.template_key == "ai_interview_invitation"
    assert (note.related_type, note.related_id) == ("ai_interviews.aiinvitation", str(invitation.pk))
    link = TrackedLink.objects.get(notification=note, target_url=invitation.candidate_url)
    assert f"/l/{link.token}" in note.body
    assert InvitationEvent.objects.filter(invitation=invitation, kind="invited").exists()


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
