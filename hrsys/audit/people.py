"""Whose data an access-log row is about (R-SEC-7): the person behind a record, in words.

The access log stores the record (``candidates.resume`` 12); "who looked at whom" wants the person (the
candidate 王芳, whose résumé that is). A stage says who its records belong to by registering, from its
``AppConfig.ready``, a resolver per record type: ``resolver(user, ids) -> {id: (person key, name)}``, reading
within ``user``'s data scope. Records of a type nobody registered stand for themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from .labels import object_type_label

Resolver = Callable[[object, list[str]], dict[str, tuple[str, str]]]

_RESOLVERS: dict[str, Resolver] = {}


def register_people(object_type: str, resolver: Resolver) -> None:
    """``object_type`` (``app_label.model``) records belong to the people ``resolver`` names."""
    _RESOLVERS[object_type] = resolver


def registered_types() -> tuple[str, ...]:
    return tuple(sorted(_RESOLVERS))


def people_of(user, records: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(object type, id) -> (person key, name) for each record; one query per record type."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for object_type, object_id in records:
        by_type[object_type].append(object_id)
    out = {}
    for object_type, ids in by_type.items():
        resolver = _RESOLVERS.get(object_type)
        found = resolver(user, [i for i in ids if i.isdigit()]) if resolver else {}
        for object_id in ids:
            out[(object_type, object_id)] = found.get(object_id) or (
                f"{object_type}:{object_id}", f"{object_type_label(object_type)} #{object_id}")
    return out
