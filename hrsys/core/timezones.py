"""The organisation's local time: everything is stored in UTC and shown, scheduled and counted in
``TIME_ZONE`` (Asia/Shanghai by default): working hours, shifts, "today" of the to-do list, the weeks and
months of the dashboards. One setting, so no part of the product disagrees about what day it is."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), local_tz()).date()


def local_text(moment: dt.datetime) -> str:
    """``moment`` as people read it in a message, an alert or a snapshot: "2026-11-30 14:30", local time."""
    return timezone.localtime(moment, local_tz()).strftime("%Y-%m-%d %H:%M")
