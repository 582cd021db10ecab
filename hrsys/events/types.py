"""The event types integrators may subscribe to (R-INT-2), with their words for the admin and the API."""

from django.utils.translation import gettext_lazy as _

EVENT_TYPES: dict[str, object] = {
    "application.created": _("An application was created"),
    "application.moved": _("An application moved to another stage"),
    "interview.scheduled": _("An interview was scheduled"),
    "interview.cancelled": _("An interview was cancelled"),
    "interview.no_show": _("A candidate did not come to an interview"),
    "ai_result.received": _("An AI interview result was received"),
    "offer.approved": _("An offer was approved"),
    "offer.accepted": _("An offer was accepted"),
    "offer.declined": _("An offer was declined"),
    "employee.created": _("An employee file was created"),
    "employee.exited": _("An employee left"),
    "attendance.account.activated": _("An attendance account was activated"),
    "attendance.account.suspended": _("An attendance account was suspended"),
    "attendance.account.revoked": _("An attendance account was revoked"),
}


def event_type_choices():
    return [(key, f"{key} - {label}") for key, label in EVENT_TYPES.items()]
