"""Offers: band rules, approval chain, letter hashing and tamper detection, outcomes, sweeps, scope
(R-OFFER-1..4, R-HOSP-1)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from candidates.models import Priority, State
from hrsys.api.errors import Conflict
from hrsys.audit.models import AuditEvent
from hrsys.crypto import keys
from notifications.models import Notification
from onboarding import letters, services
from onboarding.models import ApprovalDecision, ApprovalRole, Offer, OfferState
from onboarding.services import sending
from tests.onboarding.factories import PNG, band, drafted, interviewing_app, sent_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(org):
    band(org.emergency)
    return interviewing_app(org.emergency)


def test_r_offer_1_draft_uses_expected_salary_clamped_into_band(users, org, app, monkeypatch):
    monkeypatch.setattr("onboarding.selectors.candidate_preferences", lambda a: {
        "expected_salary": Decimal("15000"), "earliest_start_date": timezone.localdate() + datetime.timedelta(days=40),
        "available_times": ""})
    offer = services.offer_draft(actor=users.hr, application_id=app.pk, job_level="N1")
    assert offer.expected_salary == Decimal("15000")
    assert offer.monthly_salary == Decimal("12000")  # brought down to the band maximum
    assert offer.start_date == timezone.localdate() + datetime.timedelta(days=40)
    assert offer.state == OfferState.DRAFT and offer.band_position == "within"


def test_r_offer_1_band_rules_below_minimum_refused(users, app):
    with pytest.raises(ValidationError) as exc:
        drafted(users, app, salary=7000)
    assert "monthly_salary" in exc.value.message_dict
    assert not Offer.objects.exists()


def test_r_offer_1_probation_at_most_six_months(users, app):
    offer = drafted(users, app)
    with pytest.raises(ValidationError) as exc:
        services.offer_update(actor=users.hr, offer_id=offer.pk, probation_months=7)
    assert "probation_months" in exc.value.message_dict


def test_r_offer_2_chain_within_band_is_hiring_manager_only(users, app):
    offer = drafted(users, app, salary=11000)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    steps = list(offer.approvals.order_by("step"))
    assert [(s.role, s.approver) for s in steps] == [(ApprovalRole.HIRING_MANAGER, users.er_manager)]
    assert steps[0].decision == ApprovalDecision.PENDING
    assert Notification.objects.filter(related_type="onboarding.offer", recipient_id=str(users.er_manager.pk)).exists()


@pytest.mark.parametrize("salary,urgent", [(13000, False), (10000, True)])
def test_r_offer_2_above_band_or_urgent_adds_hr_director(users, org, salary, urgent):
    band(org.emergency)
    app = interviewing_app(org.emergency, priority=Priority.URGENT if urgent else Priority.NORMAL)
    offer = drafted(users, app, salary=salary)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    steps = list(offer.approvals.order_by("step"))
    assert [s.role for s in steps] == [ApprovalRole.HIRING_MANAGER, ApprovalRole.HR_DIRECTOR]
    assert steps[1].approver == users.director and steps[1].decision == ApprovalDecision.WAITING
    services.offer_decide(actor=users.er_manager, approval_id=steps[0].pk, decision="approve")
    offer.refresh_from_db()
    assert offer.state == OfferState.PENDING_APPROVAL  # still waits for the director
    services.offer_decide(actor=users.director, approval_id=steps[1].pk, decision="approve", comment="fine")
    offer.refresh_from_db()
    assert offer.state == OfferState.APPROVED
    assert AuditEvent.objects.filter(action="offer.approval.approve", object_id=str(offer.pk)).count() == 2


def test_r_offer_2_request_change_goes_back_to_draft_and_needs_comment(users, app):
    offer = drafted(users, app)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    step = offer.approvals.get()
    with pytest.raises(ValidationError):
        services.offer_decide(actor=users.er_manager, approval_id=step.pk, decision="request_change", comment="")
    services.offer_decide(actor=users.er_manager, approval_id=step.pk, decision="request_change", comment="lower")
    offer.refresh_from_db()
    assert offer.state == OfferState.DRAFT
    services.offer_update(actor=users.hr, offer_id=offer.pk, monthly_salary="9500")
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.approval_round == 2 and offer.approvals.filter(round=2).count() == 1


def test_r_offer_2_reject_ends_offer(users, app):
    offer = drafted(users, app)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    services.offer_decide(actor=users.er_manager, approval_id=offer.approvals.get().pk, decision="reject",
                          comment="budget")
    offer.refresh_from_db()
    assert offer.state == OfferState.REJECTED


def test_r_offer_2_approver_outside_department_gets_404(users, app):
    offer = drafted(users, app)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    step = offer.approvals.get()
    for outsider in (users.it_manager, users.interviewer, users.hr):
        with pytest.raises(Http404):
            services.offer_decide(actor=outsider, approval_id=step.pk, decision="approve")
    step.refresh_from_db()
    assert step.decision == ApprovalDecision.PENDING


def test_r_hosp_1_missing_credential_blocks_offer(users, org):
    app = interviewing_app(org.emergency, required_credentials=["nurse_licence"])
    band(org.emergency)
    with pytest.raises(Conflict):
        drafted(users, app)


def test_illegal_transitions_raise():
    offer = Offer(state=OfferState.DRAFT)
    for name in ("approve", "send", "accept", "decline", "expire", "request_change", "reject"):
        with pytest.raises(TransitionNotAllowed):
            getattr(offer, name)()


def test_r_offer_3_send_records_hash_and_moves_application(users, app):
    offer = sent_offer(users, app)
    assert offer.state == OfferState.SENT and len(offer.document_sha256) == 64
    with offer.letter_docx.open("rb") as fh:
        assert letters.sha256(fh.read()) == offer.document_sha256
    app.refresh_from_db()
    assert app.state == State.OFFER
    assert Notification.objects.filter(template_key="offer_sent", recipient_type="candidates.candidate").exists()
    assert services.offer_document_verify(offer)["ok"]


def _tamper(field, data=b"changed"):
    path = field.storage.path(field.name)
    with open(path, "wb") as fh:
        fh.write(keys.encrypt_bytes(data, aad=field.storage.aad))


def test_r_offer_3_tampered_letter_detected_and_signing_refused(users, app):
    offer = sent_offer(users, app)
    _tamper(offer.letter_docx)
    report = services.offer_document_verify(offer)
    assert not report["ok"] and "letter_docx: hash differs" in report["problems"]
    with pytest.raises(Conflict):
        services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                            signature_png=PNG, accept_terms=True)
    offer.refresh_from_db()
    assert offer.state == OfferState.SENT


def test_r_offer_3_offer_changed_after_sending_cannot_be_signed(users, app):
    offer = sent_offer(users, app)
    Offer.objects.filter(pk=offer.pk).update(version=offer.version + 1)
    with pytest.raises(Conflict):
        services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                            signature_png=PNG, accept_terms=True)


def test_r_offer_3_4_sign_accepts_hires_and_starts_onboarding(users, app):
    offer = sent_offer(users, app)
    services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                        signature_png=PNG, accept_terms=True, ip="10.0.0.8", user_agent="pytest")
    offer.refresh_from_db()
    app.refresh_from_db()
    assert offer.state == OfferState.ACCEPTED and app.state == State.HIRED
    assert offer.onboarding_started_at is not None
    sig = offer.signature
    assert sig.document_sha256 == offer.document_sha256 and sig.ip == "10.0.0.8"
    with sig.signed_copy.open("rb") as fh:
        assert letters.sha256(fh.read()) == sig.signed_copy_sha256
    assert services.offer_document_verify(offer)["ok"]
    _tamper(sig.signed_copy)
    assert "signed_copy: hash differs" in services.offer_document_verify(offer)["problems"]


def test_r_offer_3_sign_needs_matching_name_signature_and_tick(users, app):
    offer = sent_offer(users, app)
    with pytest.raises(ValidationError) as exc:
        services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name="someone else",
                            signature_png=b"GIF89a", accept_terms=False)
    assert set(exc.value.message_dict) == {"typed_name", "signature", "accept_terms"}


def test_r_offer_4_decline_withdraws_application(users, app):
    offer = sent_offer(users, app)
    with pytest.raises(ValidationError):
        services.offer_decline(candidate_id=app.candidate_id, offer_id=offer.pk, reason="")
    services.offer_decline(candidate_id=app.candidate_id, offer_id=offer.pk, reason="other offer")
    offer.refresh_from_db()
    app.refresh_from_db()
    assert offer.state == OfferState.DECLINED and app.state == State.WITHDRAWN


def test_r_offer_4_other_candidate_cannot_sign(users, org, app):
    offer = sent_offer(users, app)
    other = interviewing_app(org.emergency)
    with pytest.raises(Http404):
        services.offer_sign(candidate_id=other.candidate_id, offer_id=offer.pk, typed_name=other.candidate.name,
                            signature_png=PNG, accept_terms=True)


def test_r_offer_4_expiry_sweep(users, app, time_machine):
    offer = sent_offer(users, app)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=30))
    from hrsys.core.periodic import run_due_jobs

    result = run_due_jobs(now=timezone.now(), only=["onboarding.expire_offers"])
    assert result["onboarding.expire_offers"] == {"expired": 1}
    offer.refresh_from_db()
    app.refresh_from_db()
    assert offer.state == OfferState.EXPIRED and app.state == State.WITHDRAWN
    assert run_due_jobs(now=timezone.now(), only=["onboarding.expire_offers"])["onboarding.expire_offers"] == \
        {"expired": 0}


def test_r_offer_2_reminders_to_slow_approvers(users, app, time_machine):
    offer = drafted(users, app)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    assert services.approvals_remind_due(now=timezone.now()) == {"reminded": 0}
    later = timezone.now() + datetime.timedelta(hours=25)
    assert services.approvals_remind_due(now=later) == {"reminded": 1}
    assert services.approvals_remind_due(now=later) == {"reminded": 0}  # not twice in the same window
    assert Notification.objects.filter(idempotency_key__contains=":remind:1").count() >= 1


def test_r_offer_4_withdraw_needs_reason(users, app):
    offer = sent_offer(users, app)
    with pytest.raises(ValidationError):
        services.offer_withdraw(actor=users.hr, offer_id=offer.pk, reason=" ")
    services.offer_withdraw(actor=users.hr, offer_id=offer.pk, reason="position closed")
    offer.refresh_from_db()
    assert offer.state == OfferState.WITHDRAWN


@pytest.mark.libreoffice
def test_r_offer_3_pdf_with_libreoffice(users, app, settings):
    settings.OFFER_LETTER_PDF = True
    offer = sent_offer(users, app)
    with offer.letter_pdf.open("rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-") and letters.sha256(data) == offer.pdf_sha256


def test_api_scope_and_create(users, app, api_as):
    res = api_as(users.hr).post("/api/v1/offers/create/", {"application": app.pk, "monthly_salary": "10000",
                                                           "job_level": "N1"}, format="json")
    assert res.status_code == 201, res.content
    pk = res.json()["id"]
    assert api_as(users.it_manager).get(f"/api/v1/offers/{pk}/").status_code == 404
    assert api_as(users.er_manager).get(f"/api/v1/offers/{pk}/").status_code == 200
    res = api_as(users.hr).post(f"/api/v1/offers/{pk}/submit/", {}, format="json")
    assert res.status_code == 200 and res.json()["state"] == "pending_approval"
    res = api_as(users.hr).post(f"/api/v1/offers/{pk}/send/", {}, format="json")
    assert res.status_code == 409


def test_r_offer_3_the_letter_is_rendered_outside_the_lock_and_a_change_meanwhile_is_refused(users, app,
                                                                                              monkeypatch):
    """LibreOffice takes seconds, so the letter is rendered before the row is locked; if HR changed the offer in
    those seconds, the letter would not match it: 409, nothing sent."""
    offer = drafted(users, app)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    for approval in offer.approvals.order_by("step"):
        services.offer_decide(actor=approval.approver, approval_id=approval.pk, decision="approve", comment="ok")
    render = sending._letter_render

    def render_while_someone_edits(o):
        Offer.objects.filter(pk=o.pk).update(version=o.version + 1)
        return render(o)

    monkeypatch.setattr(sending, "_letter_render", render_while_someone_edits)
    with pytest.raises(Conflict):
        services.offer_send(actor=users.hr, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.state == OfferState.APPROVED and not offer.document_sha256
    assert not Notification.objects.filter(idempotency_key__contains=f"offer:{offer.pk}:").filter(
        template_key="offer_sent").exists()
