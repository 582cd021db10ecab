"""Who looked at whom (R-SEC-7): the access log read by viewer and by person.

Only for those who may read the access log (``audit.view_accesslog``: the HR director and the system
administrator); anyone else gets nothing. A holder of the permission who does not see everything (a grant to
someone else) sees only the viewers inside their own data scope.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import CharField, Count, Max, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.models import User
from hrsys.core.timezones import local_tz

from .labels import actor_in_words, object_type_label
from .models import AccessLog
from .people import people_of, registered_types

REPORT_PERMISSION = "audit.view_accesslog"
#: rows shown on the page (the export has them all)
SHOWN = 200
#: distinct records read to group by person; the newest first
PERSON_RECORDS_CAP = 20000

OPENING_KINDS = (AccessLog.Kind.VIEW, AccessLog.Kind.DOWNLOAD)


def record_key():
    """``object_type:object_id`` as one value, to count distinct records."""
    return Concat("object_type", Value(":"), "object_id", output_field=CharField())


def access_log_visible(user) -> QuerySet:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(REPORT_PERMISSION):
        return AccessLog.objects.none()
    rows = AccessLog.objects.all()
    if not user.sees_everything:
        rows = rows.filter(actor__in=User.objects.for_user(user))
    return rows


@dataclass(frozen=True)
class ReportFilters:
    since: dt.date
    until: dt.date
    viewer: int | None = None
    person: str = ""
    kind: str = ""

    def describe(self) -> str:
        """For the access log of the report itself: the filter, never a name."""
        return (f"{self.since:%Y-%m-%d}..{self.until:%Y-%m-%d} viewer={self.viewer or '-'} "
                f"person={self.person or '-'} kind={self.kind or '-'}")


def _bounds(filters: ReportFilters) -> tuple[dt.datetime, dt.datetime]:
    tz = local_tz()
    start = dt.datetime.combine(filters.since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _window(user, filters: ReportFilters) -> QuerySet:
    start, end = _bounds(filters)
    rows = access_log_visible(user).filter(at__gte=start, at__lt=end)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return rows


def _person_records(user, rows: QuerySet) -> dict[tuple[str, str], tuple[str, str]]:
    pairs = (rows.exclude(object_id="").values("object_type", "object_id").annotate(last=Max("at"))
             .order_by("-last").values_list("object_type", "object_id")[:PERSON_RECORDS_CAP])
    return people_of(user, pairs)


def access_entries(*, user, filters: ReportFilters) -> QuerySet:
    """The rows of the window matching the viewer and person filters, newest first."""
    rows = _window(user, filters)
    if filters.viewer:
        rows = rows.filter(actor_id=filters.viewer)
    if filters.person:
        records = [r for r, (key, _name) in _person_records(user, rows).items() if key == filters.person]
        by_type: dict[str, list[str]] = defaultdict(list)
        for object_type, object_id in records:
            by_type[object_type].append(object_id)
        q = Q(pk__in=[])
        for object_type, ids in by_type.items():
            q |= Q(object_type=object_type, object_id__in=ids)
        rows = rows.filter(q)
    return rows.select_related("actor").order_by("-at", "-id")


def viewer_name(row_actor, label: str) -> str:
    return str(row_actor) if row_actor is not None else actor_in_words(label)


def access_report(*, user, filters: ReportFilters) -> dict:
    """The report page: by viewer, by person, and the matching entries (R-SEC-7)."""
    window = _window(user, filters)
    by_viewer = list(
        window.values("actor", "actor_label")
        .annotate(total=Count("id"), views=Count("id", filter=Q(kind=AccessLog.Kind.VIEW)),
                  downloads=Count("id", filter=Q(kind=AccessLog.Kind.DOWNLOAD)),
                  exports=Count("id", filter=Q(kind=AccessLog.Kind.EXPORT)),
                  records=Count(record_key(), distinct=True, filter=~Q(object_id="")), last=Max("at"))
        .order_by("-total", "actor")[:SHOWN])
    users = User.objects.in_bulk([r["actor"] for r in by_viewer if r["actor"]])
    for row in by_viewer:
        row["name"] = viewer_name(users.get(row["actor"]), row["actor_label"])

    entries = access_entries(user=user, filters=filters)
    scoped_for_people = entries if filters.viewer else window
    records = _person_records(user, scoped_for_people)
    counts = (scoped_for_people.exclude(object_id="").values("object_type", "object_id", "actor", "actor_label")
              .annotate(n=Count("id"), last=Max("at")))
    people: dict[str, dict] = {}
    for row in counts:
        key, name = records.get((row["object_type"], row["object_id"]), (None, None))
        if key is None:
            continue  # beyond PERSON_RECORDS_CAP
        person = people.setdefault(key, {"key": key, "name": name, "total": 0, "viewers": set(), "last": row["last"],
                                         "kinds": set()})
        person["total"] += row["n"]
        person["viewers"].add(row["actor"] or row["actor_label"])
        person["kinds"].add(object_type_label(row["object_type"]))
        person["last"] = max(person["last"], row["last"])
    by_person = sorted(people.values(), key=lambda p: (-p["total"], p["name"]))[:SHOWN]
    for person in by_person:
        person["viewer_count"] = len(person.pop("viewers"))
        person["kinds"] = ", ".join(sorted(person["kinds"]))
    viewers = sorted(((r["actor"], r["name"]) for r in by_viewer if r["actor"]), key=lambda v: v[1])
    shown = list(entries[:SHOWN])
    people_types = set(registered_types())
    for entry in shown:  # in words: the viewer, the record and whose it is
        entry.viewer_name = viewer_name(entry.actor, entry.actor_label)
        person = records.get((entry.object_type, entry.object_id))
        entry.record_label = " ".join(filter(None, [object_type_label(entry.object_type), entry.object_id and
                                                    f"#{entry.object_id}"]))
        # a record of a type nobody registered stands for itself: no separate person to name
        entry.person_name = person[1] if person and entry.object_type in people_types else ""
    return {"by_viewer": by_viewer, "by_person": by_person, "entries": shown, "viewers": viewers,
            "person_name": next((p["name"] for p in people.values() if p["key"] == filters.person), filters.person),
            "records": records}


def export_columns(user, records: dict):
    """The CSV columns of the entries; ``records`` names the people (from :func:`access_report`)."""
    def person(row):
        found = records.get((row.object_type, row.object_id))
        return found[1] if found else ""

    return [
        (_("time"), lambda r: r.at), (_("viewer"), lambda r: viewer_name(r.actor, r.actor_label)),
        (_("viewer id"), lambda r: r.actor_id or ""), (_("kind"), lambda r: r.get_kind_display()),
        (_("record type"), lambda r: object_type_label(r.object_type)), (_("record id"), lambda r: r.object_id),
        (_("person"), person), (_("detail"), lambda r: r.detail), (_("channel"), lambda r: r.channel), (_("IP address"), lambda r: r.ip),
    ]


def access_export(*, user, filters: ReportFilters):
    """The entries of the report and their CSV columns, people named (R-SEC-7)."""
    rows = access_entries(user=user, filters=filters)
    return rows, export_columns(user, _person_records(user, rows))
