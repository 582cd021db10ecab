"""Demo figures that follow the demo story: recorded recruiting costs of its months (job boards per job, referral
bonuses and agency fees per hire, campus fairs), the reminder summary, and the attrition model
trained on the story's past hires (R-DASH-1, R-DASH-3). Idempotent: costs are recorded once; the summary and the
model are computed only when they are missing."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from candidates.models import JobRequisition, State, TransitionLog
from hrsys.accounts.models import User

from . import attrition
from .models import AttritionModel, CostRecord, NotificationDaily
from .services import cost_record_create, summaries_refresh

DEMO_NOTE = "演示数据"


def _months(today, n):
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return sorted(out)


@transaction.atomic
def _costs(director) -> int:
    if CostRecord.objects.filter(note=DEMO_NOTE).exists():
        return 0
    rng = random.Random(77)
    made = 0
    months = _months(timezone.localdate(), 19)  # the months of the demo story
    for job in JobRequisition.objects.order_by("pk"):
        for month in months:
            cost_record_create(actor=director, job_id=job.pk, source="job_board", kind="job_board", month=month,
                               amount=Decimal(rng.choice([2000, 3000, 3500, 5000])), note=DEMO_NOTE)
            made += 1
    hires = (TransitionLog.objects.filter(to_state=State.HIRED, application__source__in=["referral", "agency"],
                                          at__date__gte=months[0])
             .select_related("application__job").order_by("pk"))
    for log in hires:
        app = log.application
        referral = app.source == "referral"
        cost_record_create(actor=director, job_id=app.job_id, source=app.source,
                           kind="referral_bonus" if referral else "agency", month=timezone.localdate(log.at),
                           amount=Decimal(1000 if referral else 18000), note=DEMO_NOTE)
        made += 1
    for job in JobRequisition.objects.filter(title__contains="护士").order_by("pk"):
        for month in (months[2], months[8], months[14]):
            cost_record_create(actor=director, job_id=job.pk, source="campus", kind="campus", month=month,
                               amount=Decimal(8000), note=DEMO_NOTE)
            made += 1
    return made


def seed(stdout=None, **options) -> dict:
    director = User.objects.filter(username="director").first()
    if director is None:
        return {}
    made = {"cost_records": _costs(director)}
    made["reminder_summary_rows"] = 0 if NotificationDaily.objects.exists() else summaries_refresh(full=True)
    latest = attrition.current_model()
    if latest is None or latest.status != AttritionModel.Status.TRAINED:
        model = attrition.attrition_train()
        made["attrition_model"] = f"{model.status}: {model.samples} hires, {model.positives} left within a year"
    return made
