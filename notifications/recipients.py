"""The people messages go to, looked up by the app that owns them (issue 16 item 3; R-UI-2, R-SEC-1).

A message names its recipient by model label and id (``candidates.candidate`` 42, ``accounts.user`` 7). The
outbox is part of the platform and imports no stage, so it cannot ask ``Candidate.objects.for_user`` itself. An
app whose people HR looks for in the outbox registers a :class:`Directory` for its recipient type in its
``AppConfig.ready()`` (``candidates/apps.py`` for candidates); the outbox's search box, its "messages to this
person" filter and the API's ``candidate`` / ``search`` filters ask it which of those people the viewer may see.
A recipient type with no directory finds nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Directory:
    #: (user, term) -> the ids of the people ``user`` may see whose name contains ``term`` or whose phone,
    #: e-mail or ID number is exactly ``term``
    search: Callable[[object, str], Iterable]
    #: (user, ids) -> {id: display name} for those of ``ids`` that ``user`` may see (ids as strings)
    visible: Callable[[object, list[str]], dict[str, str]]


_DIRECTORIES: dict[str, Directory] = {}


def register_directory(recipient_type: str, directory: Directory) -> None:
    """Called from an ``AppConfig.ready()``: ``recipient_type`` is the model label messages store."""
    _DIRECTORIES[recipient_type] = directory


def directory_for(recipient_type: str) -> Directory | None:
    return _DIRECTORIES.get(recipient_type)


def directories() -> dict[str, Directory]:
    return dict(_DIRECTORIES)
