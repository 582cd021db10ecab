"""seed_demo's offer and onboarding set-up: a template and a pay band per organization, the hospital's checklist;
idempotent (R-OFFER-1, R-ONB-2). The offers in every stage come from the demo story
(tests/platform/test_demo_story.py)."""

import pytest

from hrsys.accounts import demo as accounts_demo
from onboarding import demo
from onboarding.models import ChecklistTemplate, OfferTemplate, PayBand

pytestmark = pytest.mark.django_db


def test_demo_setup_idempotent():
    accounts_demo.seed()
    first = demo.seed()
    assert first == {"templates": 2, "bands": 2, "checklists": 1}
    assert ChecklistTemplate.objects.get().items.filter(clinical_only=True).exists()
    again = demo.seed()
    assert again == {"templates": 0, "bands": 0, "checklists": 0}
    assert OfferTemplate.objects.count() == 2 and PayBand.objects.count() == 2
