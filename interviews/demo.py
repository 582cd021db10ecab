"""Demo interviews: upcoming human rounds for the demo applications already in interview,
with their reminders planned through the outbox. Idempotent: applications that already
have an interview are left alone, and slots that are taken are skipped."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates.models import Application
from hrsys.accounts.models import User
from hrsys.api.errors import Conflict

from .models import Interview
from .services import interview_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
SLOT_TIMES = (time(9, 0), time(10, 30), time(14, 0), time(15, 30))


def _upcoming_slots(days: int = 10):
    day = timezone.localdate(timezone.now(), SHANGHAI) + timedelta(days=1)
    for _ in range(days * 2):
        if chinese_calendar.is_workday(day):
            for at in SLOT_TIMES:
                yield datetime.combine(day, at, tzinfo=SHANGHAI)
        day += timedelta(days=1)


def seed(stdout=None, scale=0, **options) -> dict:
    actor = User.objects.filter(username="hr").first()
    if actor is None:
        return {"interviews": 0}
    booked = skipped = 0
    waiting = (Application.objects.filter(state="interviewing", job__rounds__isnull=False)
               .exclude(pk__in=Interview.objects.values("application_id"))
               .select_related("job").distinct().order_by("pk")[:12])
    slots = list(_upcoming_slots())
    for app in waiting:
        first_round = app.job.rounds.order_by("order").first()
        interviewer_ids = list(first_round.interviewers.values_list("pk", flat=True)) if first_round else []
        if not interviewer_ids:
            skipped += 1
            continue
        for start in slots:
            try:
                interview_schedule(actor=actor, application_id=app.pk, starts_at=start, round_id=first_round.pk,
                                   interviewer_ids=interviewer_ids, on_site=True)
            except (ValidationError, Conflict):
                continue  # taken or outside working hours: try the next slot
            booked += 1
            break
        else:
            skipped += 1
    return {"interviews": booked, "skipped": skipped}
