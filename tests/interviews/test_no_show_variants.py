"""No-show variants: no answer -> talent pool, urgent job, expired licence, could-not-join
(R-NS-5, R-NS-6, R-NS-7, R-NS-8, R-HOSP-1, R-PIPE-6)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from candidates.models import Application, TalentPoolEntry
from interviews import services
from interviews.models import Interview, JoinProblem, RebookingOffer
from interviews.selectors import join_problems_open, no_shows_to_handle
from notifications.models import Notification
from tests.candidates.factories import CandidateFactory, CredentialFactory
from tests.interviews.conftest import local

pytestmark = pytest.mark.django_db


def _ai_no_show(world, queue):
    with time_machine.travel(local(2026, 3, 2, 10), tick=False):
        interview = services.interview_schedule(actor=world.users.hr, application_id=world.app.pk, kind="ai",
                                                starts_at=local(2026, 3, 3, 9),
                                                meeting_url="https://ai.example.org/s/1")
    interview.refresh_from_db()
    queue.tick(interview.deadline + dt.timedelta(minutes=1), only=["interviews.detect_no_shows"])
    interview.refresh_from_db()
    assert interview.state == "no_show"
    return interview


def test_no_answer_within_48h_moves_to_talent_pool_with_tags(world, queue):
    """R-NS-6 R-PIPE-6: the reschedule offer expires unanswered -> talent pool, tagged AI interview no-show."""
    interview = _ai_no_show(world, queue)
    assert [i.pk for i in no_shows_to_handle(user=world.users.hr)] == [interview.pk]
    offer = RebookingOffer.objects.get(interview=interview)
    queue.tick(offer.expires_at - dt.timedelta(minutes=5), only=["interviews.expire_rebooking_offers"])
    assert RebookingOffer.objects.get(pk=offer.pk).status == "open"
    queue.tick(offer.expires_at + dt.timedelta(minutes=1), only=["interviews.expire_rebooking_offers"])
    assert RebookingOffer.objects.get(pk=offer.pk).status == "expired"
    app = Application.objects.get(pk=world.app.pk)
    assert app.state == "talent_pool"
    tags = set(TalentPoolEntry.objects.get(application=app).tags.values_list("name", flat=True))
    assert {"AI interview no-show", "no reply to reschedule offer"} <= tags
    assert list(no_shows_to_handle(user=world.users.hr)) == []


def test_r_sec_5_no_answer_without_talent_pool_consent_closes_the_application(world, queue):
    """R-SEC-5, R-NS-6: a candidate who withdrew consent to the talent pool is not pooled when the reschedule
    offer expires unanswered: the application is closed (rejected, the reason kept), no pool entry."""
    from candidates.consent import consent_withdraw

    consent_withdraw(candidate_id=world.candidate.pk, organization_id=world.org.hospital.pk, purpose="talent_pool",
                     channel="portal")
    interview = _ai_no_show(world, queue)
    offer = RebookingOffer.objects.get(interview=interview)
    queue.tick(offer.expires_at + dt.timedelta(minutes=1), only=["interviews.expire_rebooking_offers"])
    app = Application.objects.get(pk=world.app.pk)
    assert app.state == "rejected" and not TalentPoolEntry.objects.filter(application=app).exists()
    assert app.transitions.get(transition="reject").reason.startswith("No answer to the reschedule offer")


def test_expired_rebooking_link_is_refused(world, queue, client):
    """R-NS-6: rebooking links expire."""
    interview = _ai_no_show(world, queue)
    offer = RebookingOffer.objects.get(interview=interview)
    token = services.rebooking_link(offer).rsplit("/r/", 1)[1].strip("/")
    with time_machine.travel(offer.expires_at + dt.timedelta(minutes=1), tick=False):
        response = client.post(f"/interviews/r/{token}/", {"slot": offer.slots[0]})
    assert response.status_code == 400
    assert b"expired" in response.content
    assert not Interview.objects.filter(previous=interview).exists()


def test_forged_rebooking_token_is_404(client, db):
    """R-NS-6: only signed links work."""
    assert client.get("/interviews/r/not-a-token/").status_code == 404


def test_urgent_job_no_show_alerts_hr_and_promotes_backup(world, queue):
    """R-NS-7: urgent job -> SMS + voice alert to the responsible HR person, next backup enters the flow."""
    world.job.priority = "urgent"
    world.job.save()
    from candidates.consent import consent_give

    backup = CandidateFactory(name="备用一")
    second = CandidateFactory(name="备用二")
    for person in (backup, second):  # both agreed to an AI interview's recording (R-SEC-5)
        consent_give(candidate_id=person.pk, organization_id=world.org.hospital.pk,
                     purposes=["recruitment", "ai_recording"], channel="staff")
    world.job.backup_pool.add(backup)
    world.job.backup_pool.add(second)
    interview = _ai_no_show(world, queue)
    alerts = Notification.objects.filter(template_key="generic_alert", recipient_type="accounts.user",
                                         recipient_id=str(world.users.hr.pk),
                                         idempotency_key__contains="urgent-no-show")
    assert set(alerts.values_list("channel", flat=True)) == {"sms", "voice", "in_app"}
    assert all(a.ignore_quiet_hours for a in alerts)
    promoted = Application.objects.get(job=world.job, candidate=backup)
    assert promoted.state == "ai_invited"
    new = Interview.objects.get(application=promoted)
    assert new.kind == "ai" and new.state == "scheduled"
    assert not Application.objects.filter(job=world.job, candidate=second).exists()
    assert interview.events.filter(kind="backup_promoted").exists()


def test_expired_licence_blocks_reinvite_and_alerts_hr(world, queue):
    """R-HOSP-1: an expired nurse licence stops the re-invite; HR is told."""
    world.job.required_credentials = ["nurse_licence"]
    world.job.save()
    CredentialFactory(candidate=world.candidate, expires_on=dt.date(2026, 3, 1))
    interview = _ai_no_show(world, queue)
    offer = RebookingOffer.objects.get(interview=interview)
    assert offer.status == "blocked"
    assert not Notification.objects.filter(template_key="no_show_reschedule").exists()
    alert = Notification.objects.filter(template_key="generic_alert", idempotency_key__contains="credentials").first()
    assert alert is not None and "expired" in alert.body
    assert Application.objects.get(pk=world.app.pk).state == "ai_no_show"


def test_could_not_join_alerts_hr_and_on_site_slot(world, queue):
    """R-NS-8: the candidate reports a technical problem; HR books an on-site interview instead."""
    with time_machine.travel(local(2026, 3, 2, 10), tick=False):
        interview = services.interview_schedule(actor=world.users.hr, application_id=world.app.pk, kind="ai",
                                                starts_at=local(2026, 3, 3, 9),
                                                meeting_url="https://ai.example.org/s/1")
    with time_machine.travel(local(2026, 3, 3, 9, 5), tick=False):
        problem = services.interview_report_could_not_join(interview_id=interview.pk, reason="network",
                                                           detail="视频打不开")
        assert Notification.objects.filter(idempotency_key__contains=f"join-problem:{problem.pk}").exists()
        assert [p.pk for p in join_problems_open(user=world.users.hr)] == [problem.pk]
        services.join_problem_resolve(actor=world.users.hr, problem_id=problem.pk, resolution="on_site",
                                      starts_at=local(2026, 3, 4, 10))
    assert JoinProblem.objects.get(pk=problem.pk).resolution == "on_site"
    new = Interview.objects.get(previous=interview)
    assert new.on_site and new.starts_at == local(2026, 3, 4, 10) and new.sequence == 1
    with pytest.raises(ValidationError):
        services.interview_report_could_not_join(interview_id=interview.pk, reason="bogus")


def test_urgent_backup_gets_a_fresh_vendor_invitation_never_the_missed_link(world, queue):
    """R-NS-7 R-AI-7: a vendor's link is personal; the promoted backup gets its own assessment from the same
    vendor, reminded and watched like any AI interview; R-SEC-5: the first backup who agreed to its recording."""
    from interviews.ai.models import AIInvitation
    from interviews.ai.services import ai_interview_invite
    from tests.ai_interviews.factories import VendorFactory

    vendor = VendorFactory(slug="acme-ns", interview_url_template="https://ai.example.org/start/{assessment_id}")
    world.job.priority = "urgent"
    world.job.save()
    from candidates.consent import consent_give

    unwilling = CandidateFactory(name="备用二")  # first in the pool, but never agreed to an AI interview's recording
    backup = CandidateFactory(name="备用三")
    consent_give(candidate_id=backup.pk, organization_id=world.org.hospital.pk,
                 purposes=["recruitment", "ai_recording"], channel="staff")
    world.job.backup_pool.add(unwilling)
    world.job.backup_pool.add(backup)
    with time_machine.travel(local(2026, 3, 2, 10), tick=False):
        invitation = ai_interview_invite(actor=world.users.hr, application_id=world.app.pk, vendor_slug=vendor.slug,
                                         deadline=local(2026, 3, 3, 18), assessment_id="MISSED-1")
    missed = Interview.objects.get(vendor_reference="MISSED-1")
    queue.tick(missed.deadline + dt.timedelta(minutes=1), only=["interviews.detect_no_shows"])
    promoted = Application.objects.get(job=world.job, candidate=backup)  # R-SEC-5: the one who agreed
    assert not Application.objects.filter(candidate=unwilling).exists()
    fresh = AIInvitation.objects.get(application=promoted)
    assert fresh.vendor == vendor and fresh.assessment_id != invitation.assessment_id
    assert fresh.candidate_url != invitation.candidate_url
    booked = Interview.objects.get(application=promoted)
    assert booked.vendor_reference == fresh.assessment_id and booked.meeting_url == fresh.candidate_url
    assert promoted.state == "ai_invited"
