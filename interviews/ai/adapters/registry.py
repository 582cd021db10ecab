"""Adapters by dotted path: a new vendor is a new class listed here (or in the
``AI_INTERVIEW_ADAPTERS`` setting) plus a Vendor row (R-AI-3)."""

from django.conf import settings
from django.utils.module_loading import import_string

BUILTIN = (
    "interviews.ai.adapters.generic.GenericAdapter",
    "interviews.ai.adapters.vervoe.VervoeAdapter",
)


def adapter_paths() -> list[str]:
    return [*BUILTIN, *getattr(settings, "AI_INTERVIEW_ADAPTERS", ())]


def get_adapter(path: str):
    if path not in adapter_paths():
        raise LookupError(path)
    return import_string(path)
