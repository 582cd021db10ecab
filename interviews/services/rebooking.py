"""A missed interview offered again: the candidate's rebooking link with free slots, booking one of them, and
the talent pool when nobody answers in time (R-NS-6, R-SCHED-5, R-PIPE-6)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.consent import application_consented
from candidates.models import Application, Purpose, TalentPoolEntry
from candidates.models import State as AppState
from candidates.services import system_tag, talent_pool_tag
from hrsys.api.errors import Conflict

from .. import availability, ics, tokens
from ..models import Interview, Kind, RebookingOffer
from ..scheduling import Request, Timeline
from ._common import _app_transition, _lock_interview, _log, _setting
from .booking import interview_schedule
from .messages import _interview_context, _notify

REBOOK_SLOT_TIMES = ((9, 0), (14, 0))
REBOOK_DAYS = 3
REBOOK_ANSWER_HOURS = 48


def rebooking_slots(interview, *, now: datetime | None = None) -> list[datetime]:
    """Default offer: the next 3 working days at 9:00 and 14:00 (Asia/Shanghai), where the interviewers
    are free, none within the lead time (R-NS-6)."""
    now = now or timezone.now()
    first = (now.astimezone(availability.LOCAL_TZ) + timedelta(days=1)).date()
    days = availability.working_days(first, _setting("INTERVIEWS_REBOOK_DAYS", REBOOK_DAYS))
    duration = interview.ends_at - interview.starts_at
    candidates = [availability.local_moment(d, datetime.min.time().replace(hour=h, minute=m))
                  for d in days for h, m in _setting("INTERVIEWS_REBOOK_TIMES", REBOOK_SLOT_TIMES)]
    earliest = availability.earliest_start(now)
    candidates = [s for s in candidates if s >= earliest]
    if not candidates:
        return []
    user_ids = list(interview.interviewers.values_list("pk", flat=True))
    if not user_ids:
        busy = Timeline(availability.candidate_busy(interview.application.candidate_id))
        return [s for s in candidates if not busy.first_conflict(s, s + duration)]
    engine = availability.build_engine(user_ids=user_ids, room_ids=[interview.room_id] if interview.room_id else [],
                                       start=candidates[0] - timedelta(hours=12),
                                       end=candidates[-1] + timedelta(hours=12))
    request = Request(id=interview.pk, duration=duration, required=tuple(user_ids),
                      rooms=(("room", interview.room_id),) if interview.room_id else (),
                      candidate_busy=availability.candidate_busy(interview.application.candidate_id))
    busy = Timeline(request.candidate_busy)
    return [s for s in candidates if engine.fit(request, s, candidate=busy) is not None]


def rebooking_link(offer) -> str:
    return tokens.public_url("rebook", tokens.make("rebook", offer.pk, offer.nonce))


@transaction.atomic
def rebooking_offer_create(*, actor, interview_id: int) -> RebookingOffer | None:
    """Send the candidate a "reschedule?" message with a single-use, expiring link (R-NS-6, R-SCHED-5)."""
    interview = _lock_interview(interview_id)
    RebookingOffer.objects.filter(interview=interview, status=RebookingOffer.Status.OPEN).update(
        status=RebookingOffer.Status.WITHDRAWN)
    slots = rebooking_slots(interview)
    hours = _setting("INTERVIEWS_REBOOK_ANSWER_HOURS", REBOOK_ANSWER_HOURS)
    offer = RebookingOffer.objects.create(interview=interview, slots=[s.astimezone(ics.UTC).isoformat()
                                                                      for s in slots],
                                          expires_at=timezone.now() + timedelta(hours=hours))
    ctx = {**_interview_context(interview), "reschedule_url": rebooking_link(offer), "confirm_url": ""}
    recipient = interview.application.candidate.as_recipient()
    for channel in ("sms", "email"):
        _notify(recipient=recipient, channel=channel, template_key="no_show_reschedule", context=ctx,
                key=f"interview:{interview.pk}:rebook:{offer.pk}:{channel}", interview=interview)
    _log(interview, actor=actor, kind="rebooking_offered",
         detail={"offer": offer.pk, "slots": offer.slots, "expires_at": offer.expires_at.isoformat()})
    return offer


def rebooking_offer_for_token(token: str) -> RebookingOffer:
    data = tokens.read(token, "rebook")
    offer = RebookingOffer.objects.select_related("interview", "interview__application__job").filter(
        pk=data["i"], nonce=data["n"]).first() if data else None
    if offer is None:
        raise Http404
    return offer


def _offer_usable(offer, now):
    if offer.status != RebookingOffer.Status.OPEN:
        raise Conflict(_("This link was already used or withdrawn."), allowed=[])
    if offer.expires_at <= now:
        raise Conflict(_("This link has expired. Please contact us for a new time."), allowed=[])


@transaction.atomic
def rebooking_book(*, token: str, starts_at: datetime) -> Interview:
    """The candidate picks one of the offered slots: it is booked and the interviewers are notified
    (R-NS-6, R-SCHED-5). The link works once and expires."""
    found = rebooking_offer_for_token(token)
    offer = RebookingOffer.objects.select_for_update().get(pk=found.pk)
    now = timezone.now()
    _offer_usable(offer, now)
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": [_("Give the start with its time zone.")]})
    offered = {datetime.fromisoformat(s) for s in offer.slots}
    if starts_at not in offered:
        raise ValidationError({"starts_at": [_("Pick one of the offered times.")]})
    missed = offer.interview
    app = Application.objects.select_related("job").prefetch_related("candidate__credentials").get(
        pk=missed.application_id)
    problems = app.credential_problems()
    if problems and (missed.kind == Kind.HUMAN or "reinvite_ai" in (app.job.credential_checkpoints or [])):
        raise Conflict(_("We cannot book a new time now; HR will contact you."), allowed=[])
    interview = interview_schedule(
        actor="candidate", application_id=missed.application_id, starts_at=starts_at, kind=missed.kind,
        round_id=missed.round_id,
        interviewer_ids=list(missed.interviewers.values_list("pk", flat=True)) if missed.kind == Kind.HUMAN else None,
        room_id=missed.room_id, meeting_url=missed.meeting_url, on_site=missed.on_site,
        duration_minutes=int((missed.ends_at - missed.starts_at).total_seconds() // 60), previous=missed)
    offer.status = RebookingOffer.Status.BOOKED
    offer.used_at = now
    offer.booked = interview
    offer.save(update_fields=["status", "used_at", "booked"])
    Interview.objects.filter(pk=missed.pk).update(follow_up_done_at=now)
    _log(missed, actor="candidate", kind="rebooked", detail={"offer": offer.pk, "interview": interview.pk})
    return interview


def rebooking_expire_due(*, now: datetime, batch: int = 200) -> dict:
    """No answer to a rebooking offer in time: the candidate goes to the talent pool with tags (R-NS-6, R-PIPE-6)."""
    expired = 0
    ids = list(RebookingOffer.objects.filter(status=RebookingOffer.Status.OPEN, expires_at__lte=now)
               .order_by("expires_at").values_list("pk", flat=True)[:batch])
    for offer_id in ids:
        with transaction.atomic():
            offer = RebookingOffer.objects.select_for_update(skip_locked=True).filter(
                pk=offer_id, status=RebookingOffer.Status.OPEN).first()
            if offer is None:
                continue
            offer.status = RebookingOffer.Status.EXPIRED
            offer.save(update_fields=["status"])
            interview = offer.interview
            _to_talent_pool(interview, reason=_("No answer to the reschedule offer within %(h)s hours.")
                            % {"h": _setting("INTERVIEWS_REBOOK_ANSWER_HOURS", REBOOK_ANSWER_HOURS)})
            Interview.objects.filter(pk=interview.pk).update(follow_up_done_at=now)
            _log(interview, actor="hr_tick", kind="rebooking_expired", detail={"offer": offer.pk})
            expired += 1
    return {"expired_offers": expired}


def _to_talent_pool(interview, *, reason):
    """Into the talent pool when the candidate agreed to it (R-SEC-5); otherwise the application is closed."""
    app = Application.objects.select_related("job__department").get(pk=interview.application_id)
    may_pool = application_consented(app, Purpose.TALENT_POOL)
    if app.state == AppState.INTERVIEWING or (not may_pool and app.state in (AppState.AI_NO_SHOW, AppState.SCREENING,
                                                                             AppState.AI_REVIEW)):
        _app_transition("hr_tick", app, "reject", reason=reason)
        app.refresh_from_db()
    if may_pool and app.state in (AppState.AI_NO_SHOW, AppState.REJECTED, AppState.SCREENING, AppState.AI_REVIEW):
        _app_transition("hr_tick", app, "to_talent_pool", reason=reason)
    entry = TalentPoolEntry.objects.filter(application=app).first()
    if entry is not None:
        tag = gettext_lazy("AI interview no-show") if interview.kind == Kind.AI else gettext_lazy("interview no-show")
        talent_pool_tag(actor="interviews", entry_id=entry.pk,
                        add=[system_tag(tag), system_tag(gettext_lazy("no reply to reschedule offer"))])
