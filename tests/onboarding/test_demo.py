"""seed_demo for offers and onboarding: an offer in every stage, through the services; idempotent
(R-OFFER-1..3, R-ONB-1)."""

import pytest

from attendance.models import AccountState, AttendanceAccount
from candidates import demo as candidates_demo
from hrsys.accounts import demo as accounts_demo
from onboarding import demo
from onboarding.models import ApprovalDecision, Offer, OfferApproval, OnboardingCase, PayBand

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch, settings):
    from notifications import tasks as notification_tasks

    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)
    settings.OFFER_LETTER_PDF = False


def test_demo_offers_in_every_stage_and_idempotent():
    accounts_demo.seed()
    candidates_demo.seed()
    first = demo.seed()
    states = sorted(Offer.objects.values_list("state", flat=True))
    made = {k: first[k] for k in demo.STAGES}
    assert sum(made.values()) == len(states) > 0 and first["skipped"] == 0
    assert made["draft"] >= 1 and made["pending_approval"] >= 1 and made["sent"] >= 1 and made["accepted"] >= 1
    assert states.count("accepted") == made["accepted"] and states.count("sent") == made["sent"]
    # waiting offers sit with a real approver; accepted ones opened the onboarding case and the clock-in account
    assert OfferApproval.objects.filter(decision=ApprovalDecision.PENDING, approver__isnull=False).exists()
    accepted = Offer.objects.filter(state="accepted")
    assert OnboardingCase.objects.filter(offer__in=accepted).count() == made["accepted"]
    assert AttendanceAccount.objects.filter(offer__in=accepted, state=AccountState.SCHEDULED).count() == \
        made["accepted"]
    assert all(case.items.exists() for case in OnboardingCase.objects.all())
    assert PayBand.objects.count() == 2
    again = demo.seed()
    assert again == {"templates": 0, "bands": 0, "checklists": 0, **dict.fromkeys(demo.STAGES, 0), "skipped": 0}
    assert Offer.objects.count() == len(states)
