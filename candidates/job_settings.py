"""A job's settings that a later stage keeps, read and written through the job API (R-AI-5, R-INT-4).

The AI interview stage keeps a job's family and question tags in its AI policy. The job API (this stage)
cannot import that stage (the import direction), so the stage registers how to read and write them from its
``AppConfig.ready()``: ``register(read=..., write=...)``. ``write`` runs inside the job service's transaction
(its ``ValidationError`` rolls the whole job change back); ``read`` answers a dict for the job detail.
"""

from collections.abc import Callable

#: the job API fields a later stage keeps
FIELDS = ("job_family", "question_tags")

_HANDLERS: list[tuple[Callable, Callable]] = []


def register(*, read: Callable, write: Callable) -> None:
    """``read(job) -> dict`` (keys of ``FIELDS`` plus ``ai_policy``), ``write(*, actor, job, **values)``."""
    if (read, write) not in _HANDLERS:
        _HANDLERS.append((read, write))


def read(job) -> dict:
    out = {"job_family": "", "question_tags": [], "ai_policy": None}
    for reader, _writer in _HANDLERS:
        out.update(reader(job))
    return out


def write(*, actor, job, values: dict) -> None:
    for _reader, writer in _HANDLERS:
        writer(actor=actor, job=job, **values)
