"""What the notification services share: their settings, who a channel can reach, and quiet hours."""

from datetime import datetime

from django.conf import settings

from ..models import Channel, Notification
from ..quiet_hours import quiet_until


def _setting(name: str, default):
    return getattr(settings, name, default)


def _reachable(recipient_email: str, recipient_phone: str, recipient_type: str, channel: str) -> bool:
    if channel == Channel.EMAIL:
        return bool(recipient_email)
    if channel in (Channel.SMS, Channel.VOICE):
        return bool(recipient_phone)
    return recipient_type == "accounts.user"


def _quiet_deferral(notification: Notification, moment: datetime) -> datetime | None:
    """When ``notification`` must wait for the end of the recipient's quiet hours; None if it may go now."""
    if notification.channel == Channel.IN_APP:
        return None
    if notification.ignore_quiet_hours and notification.channel != Channel.VOICE:
        return None  # urgent texts may go at night; calls never do
    return quiet_until(moment, notification.time_zone)
