"""An urgent job's no-show: the next candidate of the job's backup pool enters the interview flow at once
(R-NS-7)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.consent import consenting
from candidates.models import Application, Purpose
from candidates.services import application_create
from hrsys.api.errors import Conflict
from interviews.ai.models import AIInvitation

from .. import availability
from ..models import Interview, Kind
from ..scheduling import Request
from ._common import AI_DEADLINE_HOURS, _app_transition, _log, _setting
from .booking import interview_schedule
from .messages import alert_hr


def _book_backup_ai_interview(app, missed) -> Interview:
    """The backup's own AI interview: a vendor's link is personal, so a vendor-made interview means a fresh
    invitation from the same vendor; a link HR typed in is shared as before."""
    start = _next_ai_slot()
    if missed.vendor_reference:
        from interviews.ai.services import ai_interview_invite  # noqa: PLC0415 -- it books through this package at load time

        vendor = (AIInvitation.objects.filter(assessment_id=missed.vendor_reference,
                                              application_id=missed.application_id)
                  .order_by("-pk").values_list("vendor__slug", flat=True).first())
        if vendor:
            deadline = start + timedelta(hours=_setting("INTERVIEWS_AI_DEADLINE_HOURS", AI_DEADLINE_HOURS))
            invitation = ai_interview_invite(actor="interviews", application_id=app.pk, vendor_slug=vendor,
                                             deadline=deadline, starts_at=start)
            return Interview.objects.get(vendor_reference=invitation.assessment_id, application=app)
    return interview_schedule(actor="interviews", application_id=app.pk, starts_at=start, kind=Kind.AI,
                              meeting_url=missed.meeting_url)


def promote_backup(*, interview, actor) -> Application | None:
    """Urgent job no-show: the next backup candidate enters the interview flow at once (R-NS-7)."""
    job = interview.application.job
    taken = set(Application.objects.filter(job=job).values_list("candidate_id", flat=True))
    through = job.backup_pool.through
    ordered = through.objects.filter(jobrequisition_id=job.pk).order_by("pk").values_list("candidate_id", flat=True)
    waiting = [c for c in ordered if c not in taken]
    if interview.kind == Kind.AI:  # an AI interview only for one who agreed to its recording (R-SEC-5)
        agreed = consenting(candidate_ids=waiting, organization_id=job.department.organization_pk,
                            purpose=Purpose.AI_RECORDING)
        waiting = [c for c in waiting if c in agreed]
    backup_id = waiting[0] if waiting else None  # pool order: first added first
    if backup_id is None:
        _log(interview, actor=actor, kind="backup_none")
        return None
    try:
        with transaction.atomic():
            app = application_create(actor="interviews", candidate_id=backup_id, job_id=job.pk, source=None)
            _app_transition("interviews", app, "screen", reason=_("Promoted from the backup pool"))
            if interview.kind == Kind.AI:
                new = _book_backup_ai_interview(app, interview)
            else:
                _app_transition("interviews", app, "advance_to_interview",
                                reason=_("Promoted from the backup pool"))
                new = _schedule_first_free(app, interview)
    except (ValidationError, Conflict) as exc:
        error = str(exc.detail if isinstance(exc, Conflict) else "; ".join(exc.messages))[:200]
        _log(interview, actor=actor, kind="backup_failed", detail={"candidate": backup_id, "error": error})
        alert_hr(interview, key=f"interview:{interview.pk}:backup-failed", channels=("in_app",),
                 title_fn=lambda: _("Backup candidate could not be promoted"),
                 message_fn=lambda: _("Promote a backup candidate by hand: %(e)s") % {"e": error})
        return None
    _log(interview, actor=actor, kind="backup_promoted",
         detail={"application": app.pk, "interview": new.pk if new else None})
    return app


def _next_ai_slot() -> datetime:
    """Next working day 9:00 local: when a promoted candidate's AI interview window opens."""
    tomorrow = (timezone.now().astimezone(availability.LOCAL_TZ) + timedelta(days=1)).date()
    day = availability.working_days(tomorrow, 1)[0]
    return availability.local_moment(day, datetime.min.time().replace(hour=9))


def _schedule_first_free(app, like: Interview) -> Interview | None:
    user_ids = list(like.interviewers.values_list("pk", flat=True))
    start = availability.earliest_start(notice=timedelta(hours=2))
    engine = availability.build_engine(user_ids=user_ids, start=start, end=start + timedelta(days=7))
    req = Request(id=app.pk, duration=like.ends_at - like.starts_at, required=tuple(user_ids),
                  candidate_busy=availability.candidate_busy(app.candidate_id))
    found = engine.propose(req, limit=1)
    if not found:
        return None
    return interview_schedule(actor="interviews", application_id=app.pk, starts_at=found[0].start,
                              round_id=like.round_id, interviewer_ids=user_ids, meeting_url=like.meeting_url)
