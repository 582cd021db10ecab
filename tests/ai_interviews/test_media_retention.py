"""AI recordings in the retention sweep: the vendor's period, through the one existing purge (R-SEC-5, R-AI-6)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from hrsys.privacy.models import RetentionSweep
from hrsys.privacy.services import retention_preview, retention_sweep_run
from interviews.ai.models import AIMedia
from tests.ai_interviews.test_media import local_media, media_server, stored  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_r_sec_5_the_sweep_and_the_dry_run_use_the_vendors_period(stored, generic_vendor):  # noqa: F811
    generic_vendor.media_retention_days = 30
    generic_vendor.save()
    soon = timezone.now() + datetime.timedelta(days=29)
    assert {r["key"]: r["count"] for r in retention_preview(now=soon)}["ai_recordings"] == 0
    later = timezone.now() + datetime.timedelta(days=31)
    with time_machine.travel(later, tick=False):
        assert {r["key"]: r["count"] for r in retention_preview(now=later)}["ai_recordings"] == 2
        counts = retention_sweep_run(sweep_id=RetentionSweep.objects.create(day=later.date()).pk, now=later)
    assert counts["ai_recordings"] == 2
    assert set(AIMedia.objects.values_list("status", flat=True)) == {"purged"}
