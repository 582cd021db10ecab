"""The data classes a retention policy can name (R-SEC-5).

The platform does not know the stages' tables: each stage registers the classes it owns from its
``AppConfig.ready()`` with :func:`register_data_class`, saying how to find what has expired (``due``: a query of
ids, given the cutoff of each organisation) and what to do with it (``purge``: delete or anonymise those ids,
skipping anyone under a legal hold). The sweep and HR's dry run read the same two functions, so "what would go
tonight" is what goes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

DELETE, ANONYMISE = "delete", "anonymise"
ACTION_LABELS = {DELETE: _("deleted"), ANONYMISE: _("anonymised")}


class UnknownDataClass(ValueError):
    """A policy or a sweep named a data class no app registered."""


@dataclass(frozen=True)
class Cutoffs:
    """The moment before which data of one class has expired, per organisation (a root department's id)."""

    #: every organisation, with its own cutoff or the default's
    by_org: dict[int, datetime]
    #: for rows in no organisation
    default: datetime
    #: the moment of the sweep (or of the dry run)
    now: datetime

    def of(self, org_id: int | None) -> datetime:
        return self.by_org.get(org_id, self.default) if org_id is not None else self.oldest

    @property
    def oldest(self) -> datetime:
        """For data that belongs to no organisation: the longest period of any (never delete early)."""
        return min(self.by_org.values()) if self.by_org else self.default

    def expired(self, *, path: str, moment: str) -> Q:
        """Rows whose department (``path``: the lookup of a Department) is in an organisation whose cutoff
        ``moment`` is before; organisations without a policy use the default."""
        q = Q(pk__in=[])
        for org_id, cutoff in self.by_org.items():
            q |= Q(**{f"{path}__path__startswith": f"/{org_id}/", f"{moment}__lt": cutoff})
        others = Q(**{f"{moment}__lt": self.default})
        for org_id in self.by_org:
            others &= ~Q(**{f"{path}__path__startswith": f"/{org_id}/"})
        return q | others


@dataclass(frozen=True)
class DataClass:
    key: str
    label: str
    default_days: int
    action: str
    #: what the period counts from, in HR's words (README table, admin)
    counted_from: str
    due: Callable[[Cutoffs], QuerySet] = field(repr=False)
    purge: Callable[..., int] = field(repr=False)
    #: never shorter than this, whatever a policy says (access logs: 180 days, R-SEC-9)
    floor_days: int = 0
    order: int = 100
    #: False when the period is set elsewhere (``set_where`` says where) and no organisation policy applies
    editable: bool = True
    set_where: str = ""
    #: the lookup from a due row to its Department (HR staff's dry run counts their organisations only);
    #: "" for data of no organisation (access logs), counted for those who see everything only
    department: str = ""


_classes: dict[str, DataClass] = {}


def register_data_class(data_class: DataClass) -> DataClass:
    if data_class.key in _classes and _classes[data_class.key] != data_class:
        raise ValueError(f"data class {data_class.key!r} registered twice")
    if data_class.action not in ACTION_LABELS:
        raise ValueError(f"data class {data_class.key!r}: unknown action {data_class.action!r}")
    _classes[data_class.key] = data_class
    return data_class


def data_classes() -> list[DataClass]:
    return sorted(_classes.values(), key=lambda c: (c.order, c.key))


def data_class(key: str) -> DataClass:
    try:
        return _classes[key]
    except KeyError:
        known = ", ".join(sorted(_classes))
        raise UnknownDataClass(f"unknown data class {key!r}; known: {known}") from None
