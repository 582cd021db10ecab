"""Values as the services take them from forms, the API and the admin: one parser per kind, one message."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def clean_date(value, field: str) -> dt.date:
    """A date from a date, a datetime (its date) or an ISO string; else a ValidationError on ``field``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]})
