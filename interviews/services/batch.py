"""Batch scheduling: many applications of one job into one round within a period, planned by the engine and
booked one by one (R-SCHED-2, R-SCHED-3)."""

import functools
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application, InterviewRound, JobRequisition, Priority
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user

from .. import availability, tasks
from ..models import BatchRun, Room
from ..scheduling import Placement, Request, Unplaced
from .booking import _clean_interviewers, interview_schedule


def batch_schedule_validate(*, actor, job_id: int, round_id: int, application_ids, period_start: datetime,
                            period_end: datetime, panel=None, panel_pick: int = 1, required=None,
                            room_ids=()) -> dict:
    """Check a batch's input as ``batch_schedule_start`` does, writing nothing: the cleaned batch (``job``,
    ``round``, ``application_ids``, ``panel``, ``panel_pick``, ``required``, ``room_ids``, ``period_start``,
    ``period_end``) or ValidationError naming the fields. The browser's preview uses it (R-SCHED-2, R-UI-4)."""
    _require(actor, "interviews.add_interview")
    user = _user(actor)
    errors: dict[str, list] = {}
    jobs = JobRequisition.objects.for_user(user) if user is not None else JobRequisition.objects.all()
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise ValidationError({"job": [_("Unknown job.")]})
    round_obj = InterviewRound.objects.filter(pk=round_id, job=job).first()
    if round_obj is None:
        errors["round"] = [_("Choose a round of this job's interview plan.")]
    ids = list(dict.fromkeys(application_ids or []))
    apps = set(Application.objects.filter(pk__in=ids, job=job).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in apps]
    if not ids:
        errors["applications"] = [_("Choose at least one application.")]
    elif unknown:
        errors["applications"] = [_("Not applications of this job: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]
    now = timezone.now()
    if period_start < now:
        errors["period_start"] = [_("The period starts in the past.")]
    if period_end <= period_start:
        errors["period_end"] = [_("The period must end after it starts.")]
    elif period_end - period_start > timedelta(days=62):
        errors["period_end"] = [_("Plan at most two months at once.")]
    panel = list(panel or [])
    required = list(required or [])
    if not panel and not required and round_obj is not None:
        required = list(round_obj.interviewers.values_list("pk", flat=True))
    for field, people in (("panel", panel), ("required", required)):
        try:
            _clean_interviewers(actor, people, None) if people else None
        except ValidationError as exc:
            errors[field] = exc.message_dict["interviewers"]
    if panel and not 1 <= panel_pick <= len(panel):
        errors["panel_pick"] = [_("Pick between 1 and %(n)s interviewers of the panel.") % {"n": len(panel)}]
    if not panel and not required and "round" not in errors:
        errors["required"] = [_("Name the interviewers: a panel or required people.")]
    rooms = Room.objects.for_user(user) if user is not None else Room.objects.all()
    bad_rooms = set(room_ids or []) - set(rooms.filter(pk__in=list(room_ids or [])).values_list("pk", flat=True))
    if bad_rooms:
        errors["rooms"] = [_("Unknown rooms: %(ids)s.") % {"ids": ", ".join(map(str, sorted(bad_rooms)))}]
    if errors:
        raise ValidationError(errors)
    return {"job": job, "round": round_obj, "application_ids": ids, "panel": panel,
            "panel_pick": panel_pick if panel else 0, "required": required, "room_ids": list(room_ids or []),
            "period_start": period_start, "period_end": period_end}


@transaction.atomic
def batch_schedule_start(*, actor, job_id: int, round_id: int, application_ids, period_start: datetime,
                         period_end: datetime, panel=None, panel_pick: int = 1, required=None,
                         room_ids=()) -> BatchRun:
    """Queue a batch: many applications of one job into one round, within a period (R-SCHED-2).

    ``panel`` (user ids) and ``panel_pick``: each candidate gets that many of the panel;
    ``required``: people every interview needs (a cross-department panel, R-SCHED-3).
    Without either, the round's interviewers are all required.
    """
    batch = batch_schedule_validate(actor=actor, job_id=job_id, round_id=round_id, application_ids=application_ids,
                                    period_start=period_start, period_end=period_end, panel=panel,
                                    panel_pick=panel_pick, required=required, room_ids=room_ids)
    ids = batch["application_ids"]
    run = BatchRun.objects.create(job=batch["job"], round=batch["round"], application_ids=ids, panel=batch["panel"],
                                  panel_pick=batch["panel_pick"], required=batch["required"],
                                  room_ids=batch["room_ids"], period_start=period_start, period_end=period_end,
                                  total=len(ids), created_by=_user(actor))
    audit_record(actor=actor, action="interview.batch_start", obj=run, changes={"applications": [None, len(ids)]})
    transaction.on_commit(functools.partial(tasks.enqueue_batch, run.pk))
    return run


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


def batch_plan_setup(*, round_obj, application_ids, panel, panel_pick, required, room_ids, period_start,
                     period_end):
    """The engine and the requests of a batch, as the run and the browser's preview both plan it:
    ``(engine, requests, applications by id)`` (R-SCHED-2). Reads only."""
    apps = {a.pk: a for a in Application.objects.filter(pk__in=application_ids).select_related("job")}
    user_ids = [*panel, *required]
    room_keys = tuple(("room", r) for r in room_ids)
    start = max(period_start, availability.earliest_start())  # never before the lead time, on the grid
    engine = availability.build_engine(user_ids=user_ids, room_ids=room_ids, start=start, end=period_end)
    requests = []
    for order, app_id in enumerate(application_ids):
        app = apps[app_id]
        requests.append(Request(
            id=app_id, duration=timedelta(minutes=round_obj.duration_minutes), required=tuple(required),
            pool=tuple(panel), pool_pick=panel_pick, rooms=room_keys,
            candidate_busy=availability.candidate_busy(app.candidate_id),
            priority=PRIORITY_RANK.get(app.job.priority, 2), order=order))
    return engine, requests, apps


def batch_schedule_run(*, run_id: int) -> BatchRun:
    """Run a queued batch: plan with the engine, then book each placement for real, each in its own
    transaction (so concurrent schedulers are seen and nobody is double-booked), reporting progress
    and explaining every application not placed (R-SCHED-2)."""
    with transaction.atomic():
        run = BatchRun.objects.select_for_update(of=("self",)).select_related("job", "round", "created_by").get(pk=run_id)
        if run.status != BatchRun.Status.QUEUED:
            return run
        run.status = BatchRun.Status.RUNNING
        run.save(update_fields=["status"])
    actor = run.created_by or "interviews"
    engine, requests, apps = batch_plan_setup(
        round_obj=run.round, application_ids=run.application_ids, panel=run.panel, panel_pick=run.panel_pick,
        required=run.required, room_ids=run.room_ids, period_start=run.period_start, period_end=run.period_end)
    unplaced_detail = []

    def commit(request, placement):
        try:
            interview_schedule(actor=actor, application_id=request.id, starts_at=placement.start,
                               round_id=run.round_id, interviewer_ids=list(placement.interviewers),
                               room_id=placement.room[1] if placement.room else None)
            return True
        except ValidationError as exc:
            if "starts_at" in exc.message_dict and len(exc.message_dict) == 1:
                return False  # taken meanwhile by another scheduler: the engine tries the next slot
            unplaced_detail.append({"application": request.id, "reason": "invalid",
                                    "detail": "; ".join(m for v in exc.message_dict.values() for m in v)})
            raise _Skip from exc
        except Conflict as exc:
            unplaced_detail.append({"application": request.id, "reason": "conflict", "detail": str(exc.detail)})
            raise _Skip from exc

    def progress(done, total):
        if done % 10 == 0 or done == total:
            BatchRun.objects.filter(pk=run.pk).update(done=done)

    placed = 0
    ordered = sorted(requests, key=lambda r: (r.priority, r.order))
    for n, request in enumerate(ordered, start=1):
        outcome = engine.place(request)
        try:
            tries = 0
            while isinstance(outcome, Placement) and not commit(request, outcome):
                tries += 1
                outcome = engine.place(request) if tries < 20 else Unplaced(request.id, "interviewer_busy")
        except _Skip:
            outcome = None
        if isinstance(outcome, Placement):
            placed += 1
        elif isinstance(outcome, Unplaced):
            app = apps[request.id]
            names = [engine.resources[b].name for b in outcome.blocking if b in engine.resources]
            unplaced_detail.append({"application": request.id, "candidate": str(app.candidate_id),
                                    "reason": outcome.reason, "detail": outcome.detail, "blocking": names})
        progress(n, len(ordered))
    with transaction.atomic():
        run = BatchRun.objects.select_for_update().get(pk=run.pk)
        run.placed = placed
        run.done = len(ordered)
        run.unplaced = unplaced_detail
        run.status = BatchRun.Status.DONE
        run.finished_at = timezone.now()
        run.save()
    return run


class _Skip(Exception):
    pass
