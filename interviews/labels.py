"""Interview history in words: the kinds of InterviewEvent (and the audit actions ``interview.<kind>``) as people
read them on the application page and in timelines (issue 15 item 2)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Interview history entries in words (InterviewEvent.kind, and the audit actions ``interview.<kind>``).
EVENT_WORDS = {
    "create": gettext_lazy("Interview booked"),
    "schedule": gettext_lazy("Invitation sent"),
    "confirm": gettext_lazy("The candidate confirmed"),
    "complete": gettext_lazy("Interview held"),
    "mark_no_show": gettext_lazy("The candidate did not come (no-show)"),
    "cancel": gettext_lazy("Interview cancelled"),
    "replace": gettext_lazy("Interview rescheduled"),
    "reminders_planned": gettext_lazy("Reminders planned"),
    "rebooking_offered": gettext_lazy("Rebooking link sent to the candidate"),
    "rebooked": gettext_lazy("The candidate rebooked"),
    "rebooking_expired": gettext_lazy("The rebooking link expired unused"),
    "no_show_handled": gettext_lazy("No-show handled"),
    "could_not_join": gettext_lazy("The candidate reported they could not join"),
    "on_site_booked": gettext_lazy("An on-site interview was booked instead"),
    "late_completion": gettext_lazy("The AI interview was completed late"),
    "reinvite_blocked": gettext_lazy("Not re-invited: required credentials missing"),
    "backup_promoted": gettext_lazy("A backup candidate was invited"),
    "backup_none": gettext_lazy("No backup candidate was available"),
    "backup_failed": gettext_lazy("Inviting the backup candidate failed"),
}


def interview_event_words(kind: str) -> str:
    """The sentence for an event kind; an unknown kind with spaces for underscores, never the bare code."""
    return str(EVENT_WORDS.get(kind) or kind.replace("_", " "))


def audit_action_words(obj: str, verb: str) -> str | None:
    """Resolver for hrsys.audit.labels: ``interview.<kind>`` -> "Interview: <sentence>"."""
    if obj == "interview" and verb in EVENT_WORDS:
        return _("Interview: %(what)s") % {"what": EVENT_WORDS[verb]}
    return None
