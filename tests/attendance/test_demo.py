"""Demo data is idempotent and produces computed results (seed_demo contract)."""

import pytest

from attendance import demo
from attendance.models import DailyResult, ShiftTemplate

pytestmark = pytest.mark.django_db


def test_demo_seed_idempotent(org):
    first = demo.seed()
    assert first["shifts"] == 3 and first["accounts"] == 3 and first["punches"] > 0
    again = demo.seed()
    assert again == {"shifts": 0, "devices": 0, "accounts": 0, "punches": 0}
    assert ShiftTemplate.objects.filter(is_default=True).count() == 1
    assert DailyResult.objects.filter(stale=False).exists()
