"""Writes of the dashboard app: the materialised reminder summary and cost records (R-DASH-1)."""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from candidates.models import JobRequisition
from hrsys.accounts.models import Department
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm, require_visible, staff_user
from hrsys.core.timezones import local_tz
from notifications.models import Notification
from notifications.models import Status as NStatus

from .models import CostRecord, NotificationDaily
from .selectors import REMINDER_RELATED

#: Days back the sweep recomputes: receipts and opens of recent reminders still arrive.
REFRESH_DAYS = 3
SENT = (NStatus.SENT, NStatus.DELIVERED, NStatus.READ, NStatus.FAILED)
DELIVERED = (NStatus.DELIVERED, NStatus.READ)


@transaction.atomic
def summaries_refresh(*, now=None, full: bool = False) -> int:
    """Recompute :class:`NotificationDaily` for the last :data:`REFRESH_DAYS` local days (all days when
    ``full`` or when there are no rows yet) from the interview reminders in the outbox, grouped in the
    database by day, department and channel. Returns the number of rows written (R-DASH-1)."""
    now = now or timezone.now()
    tz = local_tz()
    qs = Notification.objects.filter(related_type=REMINDER_RELATED).exclude(status=NStatus.CANCELLED)
    since = None
    if not full and NotificationDaily.objects.exists():
        since = timezone.localtime(now, tz).date() - dt.timedelta(days=REFRESH_DAYS - 1)
        qs = qs.filter(due_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    rows = (qs.annotate(day=TruncDate("due_at", tzinfo=tz)).values("day", "department_id", "channel")
            .annotate(total=Count("pk"), sent=Count("pk", filter=Q(status__in=SENT)),
                      delivered=Count("pk", filter=Q(status__in=DELIVERED)),
                      opened=Count("pk", filter=Q(read_at__isnull=False) | Q(status=NStatus.READ)),
                      failed=Count("pk", filter=Q(status=NStatus.FAILED)))
            .order_by())
    stale = NotificationDaily.objects.all() if since is None else NotificationDaily.objects.filter(day__gte=since)
    stale.delete()
    objs = [NotificationDaily(day=r["day"], department_id=r["department_id"], channel=r["channel"],
                              total=r["total"], sent=r["sent"], delivered=r["delivered"], opened=r["opened"],
                              failed=r["failed"], refreshed_at=now) for r in rows]
    NotificationDaily.objects.bulk_create(objs, batch_size=2000)
    return len(objs)


@transaction.atomic
def cost_record_create(*, actor, department_id: int | None = None, job_id: int | None = None, source: str = "",
                       kind: str, month: dt.date, amount, currency: str = "CNY", note: str = "") -> CostRecord:
    """Record a recruiting cost (R-DASH-1): per job (its department then owns it) or per department and source
    channel. Only for departments and jobs in the actor's scope (404 otherwise); validated before anything is
    written (400 with field messages); audited."""
    require_perm(actor, "dashboard.add_costrecord")
    if job_id is not None:
        require_visible(JobRequisition, actor, job_id)
    if department_id is not None:
        require_visible(Department, actor, department_id)
    record = CostRecord(department_id=department_id, job_id=job_id, source=source, kind=kind, month=month,
                        amount=amount, currency=currency, note=note, created_by=staff_user(actor))
    record.full_clean()
    record.save()
    audit_record(actor=actor, action="dashboard.cost_record_create", obj=record,
                 changes={"amount": [None, str(record.amount)], "kind": [None, kind]})
    return record
