"""Quiet hours per recipient time zone (default 21:00-08:00)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings


def _window() -> tuple[time, time]:
    raw = getattr(settings, "NOTIFICATIONS_QUIET_HOURS", "21:00-08:00")
    start, _sep, end = raw.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def quiet_until(moment: datetime, time_zone: str) -> datetime | None:
    """End of the quiet period containing ``moment`` (aware, UTC), or None when not in quiet hours."""
    start, end = _window()
    if start == end:
        return None
    zone = _zone(time_zone)
    local = moment.astimezone(zone)
    t = local.time()
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # crosses midnight
        inside = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(moment.tzinfo)
