"""What the viewer narrowed the figures to, and the applications every figure starts from: always within the
viewer's data scope (R-SEC-1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from candidates.models import Application, JobRequisition
from hrsys.accounts.models import Department
from hrsys.core.timezones import local_tz


@dataclass(frozen=True)
class Filters:
    """What the viewer narrowed the figures to; never widens the scope (R-SEC-1)."""

    job_id: int | None = None
    department_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    period: str = "month"

    @classmethod
    def from_params(cls, params) -> Filters:
        def integer(name):
            try:
                return int(params.get(name) or 0) or None
            except (TypeError, ValueError):
                return None

        def day(name):
            try:
                return dt.date.fromisoformat(params.get(name) or "")
            except ValueError:
                return None

        period = params.get("period") if params.get("period") in ("week", "month") else "month"
        return cls(job_id=integer("job"), department_id=integer("department"), date_from=day("from"),
                   date_to=day("to"), period=period)

    def querystring(self, **extra) -> str:
        data = {"job": self.job_id, "department": self.department_id,
                "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None, "period": self.period, **extra}
        return urlencode({k: v for k, v in data.items() if v not in (None, "")})

    def start(self) -> dt.datetime | None:
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=local_tz()) if self.date_from else None

    def end(self) -> dt.datetime | None:
        return (dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())
                if self.date_to else None)


def _department_ids(department_id) -> list[int]:
    dept = Department.objects.filter(pk=department_id).only("path").first()
    if dept is None:
        return []
    return list(Department.objects.filter(path__startswith=dept.path).values_list("pk", flat=True))


def applications(*, user, filters: Filters = Filters(), cohort: bool = True):
    """The applications the figures count: the viewer's scope, narrowed by job / department and, for
    cohort figures, by the day the application came in."""
    qs = Application.objects.for_user(user)
    if filters.job_id:
        qs = qs.filter(job_id=filters.job_id)
    if filters.department_id:
        qs = qs.filter(job__department_id__in=_department_ids(filters.department_id))
    if cohort and filters.start():
        qs = qs.filter(created_at__gte=filters.start())
    if cohort and filters.end():
        qs = qs.filter(created_at__lt=filters.end())
    return qs


def filter_choices(*, user) -> dict:
    """Jobs and departments the viewer may pick (their scope only)."""
    jobs = JobRequisition.objects.for_user(user).select_related("department").order_by("department__path", "title")
    dept_ids = set(jobs.values_list("department_id", flat=True))
    return {"jobs": list(jobs[:500]),
            "departments": list(Department.objects.filter(pk__in=dept_ids).order_by("path"))}
