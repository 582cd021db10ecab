"""The plan of a batch before it is queued (issue 14, item 4; R-SCHED-2, R-UI-4): pure planning, nothing booked.

``batch_preview`` checks the input exactly as ``services.batch_schedule_start`` does
(``services.batch_schedule_validate``), builds the engine and the requests exactly as ``batch_schedule_run`` does
(``services.batch_plan_setup``) and lets the engine place them (``scheduling.schedule_batch``) without a commit:
who, when, with whom, which room; the unplaced with the engine's reason. When nothing changes between the
preview and the run, the run books this plan; a booking made meanwhile is respected by the run (it re-plans).

``REASONS`` turns the engine's reason codes (and the run's own "invalid" / "conflict") into sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from hrsys.core.timezones import local_tz

from . import scheduling, services
from .models import Room

REASONS = {
    scheduling.REASON_NO_WORKING_TIME: _("The interviewers have no working time left in the period."),
    scheduling.REASON_PREFERENCES: _("No free time inside the candidate's preferred times."),
    scheduling.REASON_CANDIDATE_BUSY: _("The candidate has another interview at every free time."),
    scheduling.REASON_INTERVIEWER_BUSY: _("The interviewers are booked or busy at every possible time."),
    scheduling.REASON_DAILY_LIMIT: _("The interviewers have reached their daily limit of interviews on every "
                                     "free day."),
    scheduling.REASON_NO_ROOM: _("No chosen room is free when the interviewers are."),
    scheduling.REASON_UNKNOWN_RESOURCE: _("An interviewer is not an active user."),
    scheduling.REASON_TOO_FEW_INTERVIEWERS: _("Not enough interviewers of the panel are free at the same time."),
    "invalid": _("The interview could not be booked for this application."),
    "conflict": _("The application could not move to the interview stage."),
}


def reason_text(code: str) -> str:
    """A sentence for an engine / run reason code (the code itself only if it is unknown)."""
    return str(REASONS.get(code, code))


@dataclass
class PlannedInterview:
    application: object  # candidates.Application, with candidate
    start: datetime  # Asia/Shanghai
    end: datetime
    interviewers: list[str]
    room: str = ""


@dataclass
class NotPlaced:
    application: object
    reason: str  # code
    text: str  # in words
    blocking: list[str] = field(default_factory=list)  # names of who blocked most often


@dataclass
class Preview:
    batch: dict  # the cleaned input (services.batch_schedule_validate)
    planned: list[PlannedInterview]
    unplaced: list[NotPlaced]

    @property
    def total(self) -> int:
        return len(self.planned) + len(self.unplaced)


def batch_preview(*, actor, job_id: int, round_id: int, application_ids, period_start: datetime,
                  period_end: datetime, panel=None, panel_pick: int = 1, required=None, room_ids=()) -> Preview:
    """The engine's plan for a batch without booking anything; ValidationError like ``batch_schedule_start``."""
    batch = services.batch_schedule_validate(
        actor=actor, job_id=job_id, round_id=round_id, application_ids=application_ids, period_start=period_start,
        period_end=period_end, panel=panel, panel_pick=panel_pick, required=required, room_ids=room_ids)
    engine, requests, _apps = services.batch_plan_setup(
        round_obj=batch["round"], application_ids=batch["application_ids"], panel=batch["panel"],
        panel_pick=batch["panel_pick"], required=batch["required"], room_ids=batch["room_ids"],
        period_start=batch["period_start"], period_end=batch["period_end"])
    result = scheduling.schedule_batch(engine, requests)

    apps = Application.objects.select_related("candidate").in_bulk(batch["application_ids"])
    users = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=[*batch["panel"], *batch["required"]])}
    rooms = {("room", r.pk): r.name for r in Room.objects.filter(pk__in=batch["room_ids"])}
    tz = local_tz()
    planned = [PlannedInterview(
        application=apps[p.request_id], start=timezone.localtime(p.start, tz), end=timezone.localtime(p.end, tz),
        interviewers=[users.get(i, str(i)) for i in p.interviewers], room=rooms.get(p.room, ""))
        for p in sorted(result.placements, key=lambda p: (p.start, p.request_id))]
    unplaced = [NotPlaced(
        application=apps[u.request_id], reason=u.reason, text=reason_text(u.reason),
        blocking=[engine.resources[b].name for b in u.blocking if b in engine.resources])
        for u in result.unplaced]
    return Preview(batch=batch, planned=planned, unplaced=unplaced)
