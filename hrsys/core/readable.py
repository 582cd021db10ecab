"""Stored snapshots (JSON) as people read them (issue 15 items 2 and 3): the employee file's profile, AI result,
feedback and credentials at hire, an interview's AI summary, an event's detail.

``readable(value)`` renders nested dicts and lists as definition lists and bullet lists: each key by its label,
each stored code (a stage, a recommendation, a credential type, a source...) by the label its model gives it,
each machine time (ISO, UTC) in the display time zone. Keys without a label are shown with spaces, never as
``snake_case``.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.apps import apps
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from hrsys.core.timezones import local_text

KEY_LABELS = {
    "education": _("Education"), "years_experience": _("Years of experience"), "skills": _("Skills"),
    "source": _("Source"), "language": _("Language"), "vendor": _("Vendor"), "overall_score": _("Overall score"),
    "dimensions": _("Dimensions"), "label": _("Dimension"), "score": _("Score"), "pass": _("Pass score"),
    "borderline": _("Borderline score"), "recommendation": _("Recommendation"), "decision": _("Decision"),
    "completed_at": _("Completed"), "received_at": _("Received"), "round": _("Round"),
    "interviewer": _("Interviewer"), "scores": _("Scores"), "notes": _("Notes"), "submitted_at": _("Submitted"),
    "type": _("Type"), "issuer": _("Issuer"), "expires_on": _("Expires on"),
    "valid_on_start": _("Valid on the start date"), "starts_at": _("Starts"), "ends_at": _("Ends"),
    "reason": _("Reason"), "channel": _("Channel"), "state": _("Stage"), "expires_at": _("Expires"),
    "interviewers": _("Interviewers"), "room": _("Room"), "result": _("Result"), "detail": _("Detail"),
}
#: Ids that only link rows inside the system: not shown.
HIDDEN_KEYS = {"result_id", "feedback_id", "interview_id", "credential_id", "key", "id"}


@cache
def _code_labels() -> dict[str, str]:
    """Every choice value of every model (``nurse_licence`` -> its label), first one wins."""
    labels: dict[str, object] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value and value != str(label):
                    labels.setdefault(value, label)
    return labels


def _value(value):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        moment = parse_datetime(value) if "T" in value else None
        if isinstance(moment, dt.datetime) and timezone.is_aware(moment):
            return local_text(moment)
        label = _code_labels().get(value)
        return label if label is not None else value
    return value


def _key(key: str) -> str:
    return str(KEY_LABELS.get(key) or _code_labels().get(key) or key.replace("_", " "))


def readable(value) -> str:
    """HTML for a stored snapshot; "-" when empty."""
    if value in (None, "", [], {}):
        return "-"
    if isinstance(value, dict):
        rows = [(_key(k), mark_safe(readable(v))) for k, v in value.items() if k not in HIDDEN_KEYS]  # noqa: S308
        return format_html('<dl class="readable">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return format_html("{}", "、".join(str(_value(v)) for v in value))
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", (
            (mark_safe(readable(v)),) for v in value)))  # noqa: S308 - built by format_html above
    return format_html("{}", _value(value))
