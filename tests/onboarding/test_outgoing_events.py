"""Offer moves integrators hear about: the last approval, the candidate's signature and a decline each record one
event for the hospital -- ids, state and start date, never the pay or the reason; a rolled-back move records none
(R-INT-2)."""

import pytest
from django.db import transaction

from hrsys.events.models import Event
from onboarding import services
from onboarding.models import OfferState
from tests.events.emitted import _no_event_broker, only_event, subscribe  # noqa: F401 - an autouse fixture
from tests.onboarding.factories import PNG, band, drafted, interviewing_app, sent_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(org):
    band(org.emergency)
    return interviewing_app(org.emergency)


def _personal(app, *extra):
    c = app.candidate
    return (c.name, c.phone, c.email, "13000.00", *extra)


def _expected(offer, state):
    return {"offer_id": offer.pk, "application_id": offer.application_id, "candidate_id": offer.application.candidate_id,
            "job_id": offer.application.job_id, "state": state, "start_date": offer.start_date.isoformat()}


def test_r_int_2_only_the_last_approval_records_offer_approved(users, org, app):
    subscribe(org.hospital, "offer.approved")
    offer = drafted(users, app, salary=13000)  # above the band: the hiring manager, then the HR director
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    first, last = offer.approvals.order_by("step")
    services.offer_decide(actor=first.approver, approval_id=first.pk, decision="approve", comment="ok")
    assert not Event.objects.exists()
    services.offer_decide(actor=last.approver, approval_id=last.pk, decision="approve", comment="fine")
    offer.refresh_from_db()
    assert offer.state == OfferState.APPROVED
    assert only_event("offer.approved", org.hospital, personal=_personal(app)) == _expected(offer, "approved")


def test_r_int_2_signing_records_offer_accepted(users, org, app):
    offer = sent_offer(users, app)
    subscribe(org.hospital, "offer.accepted", "offer.approved")
    services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                        signature_png=PNG, accept_terms=True)
    offer.refresh_from_db()
    assert only_event("offer.accepted", org.hospital, personal=_personal(app)) == _expected(offer, "accepted")
    assert not Event.objects.filter(type="offer.approved").exists()


def test_r_int_2_declining_records_offer_declined_without_the_reason(users, org, app):
    offer = sent_offer(users, app)
    subscribe(org.hospital, "offer.declined")
    services.offer_decline(candidate_id=app.candidate_id, offer_id=offer.pk, reason="另一家医院给了更高的薪资")
    offer.refresh_from_db()
    data = only_event("offer.declined", org.hospital, personal=_personal(app, "另一家医院给了更高的薪资"))
    assert data == _expected(offer, "declined")


def test_r_int_2_a_rolled_back_offer_move_records_nothing(users, org, app):
    offer = sent_offer(users, app)
    subscribe(org.hospital, "offer.approved", "offer.accepted", "offer.declined")
    Event.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                            signature_png=PNG, accept_terms=True)
        raise RuntimeError("the request failed after the signature")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.offer_decline(candidate_id=app.candidate_id, offer_id=offer.pk, reason="no")
        raise RuntimeError("the request failed after the decline")
    assert not Event.objects.exists()
    offer.refresh_from_db()
    assert offer.state == OfferState.SENT
