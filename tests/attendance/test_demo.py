"""Attendance demo set-up: shift templates and one clock per organization; idempotent (seed_demo contract). The
demo's accounts, punches and probation reviews come from the demo story (tests/platform/test_demo_story.py)."""

import pytest

from attendance import demo
from attendance.models import Device, ShiftTemplate

pytestmark = pytest.mark.django_db


def test_demo_seed_idempotent(org):
    first = demo.seed()
    assert first["shifts"] == 3 and first["devices"] == Device.objects.count() > 0
    again = demo.seed()
    assert again == {"shifts": 0, "devices": 0}
    assert ShiftTemplate.objects.filter(is_default=True).count() == 1
