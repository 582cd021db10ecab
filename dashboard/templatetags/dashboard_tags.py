import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import number_format

register = template.Library()


@register.simple_tag
def cell(row, key, kind):
    """One table cell, formatted by its kind; times in the display zone (Asia/Shanghai)."""
    value = row.get(key) if isinstance(row, dict) else None
    if value is None or value == "":
        return "–"
    if kind == "pct":
        return f"{value * 100:.1f} %"
    if kind == "days":
        return f"{value:.1f}"
    if kind == "money":
        return number_format(Decimal(value).quantize(Decimal("0.01")), 2, use_l10n=True, force_grouping=True)
    if kind == "num":
        return f"{value:.3f}"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if timezone.is_aware(value) else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return value


@register.filter
def local_dt(value):
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return value or ""
