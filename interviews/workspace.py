"""Interview actions in the browser, on the application page (issue 14 item 2; R-UI-2, R-SCHED-1, R-SCHED-4,
R-SCHED-5, R-NS-5, R-NS-6).

The application page includes ``{% interviews_panel application %}`` (``interviews/templatetags/
interview_workspace.py``): the application's interviews newest first, read through
``Interview.objects.for_user(user)``, with their submitted feedback and the actions the viewer may take now.
Each action is a page or a POST under ``/interviews/`` that calls the service the API calls:

=====================  =================================================  ==========================================
action                 route                                              service
=====================  =================================================  ==========================================
schedule               ``interviews:schedule`` (application id)           ``services.interview_schedule``
reschedule             ``interviews:reschedule`` (interview id)           ``services.interview_reschedule``
cancel (reason)        ``interviews:cancel``                              ``services.interview_cancel``
attended               ``interviews:attended`` (POST)                     ``services.interview_mark_attended``
no-show                ``interviews:no-show`` (POST)                      ``services.interview_mark_no_show``
rebook a no-show       ``interviews:no-show-rebook``                      ``services.no_show_rebook`` /
                                                                          ``no_show_rebooking_link_send`` /
                                                                          ``no_show_mark_handled``
=====================  =================================================  ==========================================

Free times come from the scheduling engine (``selectors.slots_propose``) for the chosen round, interviewers and
room, on the whole and half hours (Asia/Shanghai) from the lead time on (``INTERVIEWS_BOOKING_LEAD_MINUTES``, an
hour), for one week at a time: never in the past. A typed date and time is checked by the service like any booking (working time, busy blocks, daily limit,
buffers, the room, the candidate's other interviews; a time in the past is refused).

Rebooking a no-show: marking the no-show already sent the candidate a rebooking link (SMS and e-mail, the free
slots of the next working days). What a hospital HR desk does next is phone the candidate, so the page offers,
in this order: book the time agreed on the phone (one of the slots the link offered, another free time, or a
typed time), which withdraws the link; send a new link (fresh slots and expiry, the old link stops working);
close the no-show without rebooking.

Bad input re-renders the form with the service's field errors and changes nothing (every service is one
transaction); an illegal state is a readable message. Outside the viewer's scope 404
(``get_for_user_or_404``); without the permission the styled 403 page. Pages naming the candidate are
access-logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from candidates.models import Application
from candidates.models import State as AppState
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.errors import Conflict
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.timezones import local_tz

from . import availability, selectors, services
from .models import (
    ACTIVE_STATES,
    BOOKED_STATES,
    Interview,
    InterviewFeedback,
    Kind,
    RebookingOffer,
    Room,
    State,
)
from .scheduling import round_up

ADD = "interviews.add_interview"
CHANGE = "interviews.change_interview"
#: Stages in which a human round may be booked from the application page (the booking moves screening and the
#: AI stages on to interviewing).
SCHEDULABLE_STAGES = (AppState.SCREENING, AppState.AI_COMPLETED, AppState.AI_REVIEW, AppState.INTERVIEWING)
#: Days shown in the free-time grid at once, and the marks of the clock it shows (the engine proposes every
#: 5 minutes; a week's grid of buttons shows the whole and half hours).
GRID_DAYS = 7
GRID_MINUTES = (0, 30)
MAX_PER_DAY = 18

#: Service error keys -> where the form shows them.
FIELD_OF = {"starts_at": "when", "attended_at": "when", "deadline": "when", "round": "round",
            "interviewers": "interviewers", "room": "room", "meeting_url": "meeting_url", "reason": "reason"}

STATE_WORDS = {
    State.PROPOSED: gettext_lazy("Proposed, not yet sent"),
    State.SCHEDULED: gettext_lazy("Scheduled; the candidate has not confirmed yet"),
    State.CONFIRMED: gettext_lazy("Confirmed by the candidate"),
    State.COMPLETED: gettext_lazy("Held"),
    State.NO_SHOW: gettext_lazy("The candidate did not come"),
    State.CANCELLED: gettext_lazy("Cancelled"),
    State.RESCHEDULED: gettext_lazy("Moved to another time"),
}


def application_url(application_id: int, interview_id: int | None = None) -> str:
    """The application page, at the interview's place on it."""
    url = reverse("board:application", args=[application_id])
    return f"{url}#interview-{interview_id}" if interview_id else url


def local(moment):
    return timezone.localtime(moment, local_tz()) if moment else None


# -- the panel (selectors) ---------------------------------------------------------------------------------

@dataclass
class Action:
    key: str
    label: str
    url: str
    post: bool = False


def interview_actions(interview: Interview, user, *, now=None) -> list[Action]:
    """The actions ``user`` may take on ``interview`` now: legal for its state and time, allowed by their role."""
    now = now or timezone.now()
    change = user.has_perm(CHANGE)
    on_panel = any(p.pk == user.pk for p in interview.interviewers.all())
    out = []
    if interview.state in BOOKED_STATES and interview.starts_at <= now:
        if interview.kind == Kind.HUMAN and (change or on_panel):
            out.append(Action("attended", _("Mark attended"), reverse("interviews:attended", args=[interview.pk]),
                              post=True))
        if change:
            out.append(Action("no_show", _("Mark no-show"), reverse("interviews:no-show", args=[interview.pk]),
                              post=True))
    if interview.state in ACTIVE_STATES and change:
        if interview.kind == Kind.HUMAN and user.has_perm(ADD):
            out.append(Action("reschedule", _("Reschedule"), reverse("interviews:reschedule", args=[interview.pk])))
        out.append(Action("cancel", _("Cancel"), reverse("interviews:cancel", args=[interview.pk])))
    if interview.state == State.NO_SHOW and interview.follow_up_done_at is None and change:
        out.append(Action("rebook", _("Rebook"), reverse("interviews:no-show-rebook", args=[interview.pk])))
    return out


def dimension_labels(job) -> dict[str, str]:
    return {d["key"]: str(d.get("label") or d["key"]) for d in (job.assessment_dimensions or [])
            if isinstance(d, dict) and d.get("key")}


def panel_interviews(*, user, application, now=None) -> list[Interview]:
    """The application's interviews ``user`` may see, newest first, each with its local times, the state in
    words, the submitted feedback (scores by the job's dimension labels) and the actions open to ``user``."""
    now = now or timezone.now()
    feedback = (InterviewFeedback.objects.for_user(user).filter(submitted_at__isnull=False)
                .select_related("interviewer").order_by("submitted_at", "id"))
    rows = list(Interview.objects.for_user(user).filter(application=application)
                .select_related("round", "room")
                .prefetch_related("interviewers", Prefetch("feedback", queryset=feedback, to_attr="submitted"),
                                  Prefetch("rebooking_offers", queryset=RebookingOffer.objects.order_by(
                                      "-created_at", "-id"), to_attr="offers"))
                .order_by("-starts_at", "-id"))
    labels = dimension_labels(application.job)
    for i in rows:
        i.local_start, i.local_end = local(i.starts_at), local(i.ends_at)
        i.state_words = STATE_WORDS.get(i.state, i.get_state_display())
        i.people = ", ".join(str(p) for p in i.interviewers.all())
        i.confirmation = (_("Confirmed by the candidate on %(when)s") % {
            "when": local(i.confirmed_at).strftime("%Y-%m-%d %H:%M")} if i.confirmed_at
            else _("Not confirmed by the candidate yet") if i.state == State.SCHEDULED else "")
        i.feedback_rows = [{
            "interviewer": str(f.interviewer), "recommendation": f.get_recommendation_display(), "notes": f.notes,
            "scores": [{"label": labels.get(k, k), "score": v} for k, v in sorted(
                (f.scores or {}).items(), key=lambda kv: list(labels).index(kv[0]) if kv[0] in labels else 99)],
        } for f in i.submitted]
        i.latest_offer = i.offers[0] if i.offers else None
        if i.latest_offer is not None:
            i.latest_offer.local_slots = [local(datetime.fromisoformat(s)) for s in i.latest_offer.slots]
            i.latest_offer.local_expires = local(i.latest_offer.expires_at)
        i.actions = interview_actions(i, user, now=now)
    return rows


def may_schedule(user, application) -> bool:
    return user.has_perm(ADD) and application.state in SCHEDULABLE_STAGES


# -- free times (the engine) --------------------------------------------------------------------------------

def grid_start(now: datetime) -> datetime:
    """The first proposable start: the lead time ahead (``availability.earliest_start``), rounded up to the next
    whole or half hour, local time."""
    return local(round_up(availability.earliest_start(now), timedelta(minutes=30), availability.LOCAL_TZ))


@dataclass
class Day:
    day: date
    slots: list


def free_times(*, user, application, round_id, interviewer_ids, room_id, first_day: date, now=None) -> list[Day]:
    """The engine's free starts for one week from ``first_day`` on the whole and half hours, never in the past
    (R-SCHED-1). Raises ValidationError like ``slots_propose`` (no round, unknown interviewers)."""
    now = now or timezone.now()
    start = max(grid_start(now), availability.local_moment(first_day, time(0)))
    last_day = first_day + timedelta(days=GRID_DAYS - 1)
    span = (availability.local_moment(last_day + timedelta(days=1), time(0)) - start)
    found = selectors.slots_propose(user=user, application_id=application.pk, round_id=round_id,
                                    interviewer_ids=interviewer_ids or None, room_ids=[room_id] if room_id else [],
                                    start=start, days=max(1, span.days + 1), limit=500)
    days: dict[date, list] = {}
    for slot in found:
        at = local(slot["starts_at"])
        if at.minute not in GRID_MINUTES or slot["starts_at"] <= now or not first_day <= at.date() <= last_day:
            continue
        slots = days.setdefault(at.date(), [])
        if len(slots) < MAX_PER_DAY:
            slots.append({"value": slot["starts_at"].isoformat(), "local": at})
    return [Day(d, s) for d, s in sorted(days.items())]


# -- input -------------------------------------------------------------------------------------------------

class Input:
    """What a form posted (or a GET asked for), parsed; ``errors`` by form field."""

    def __init__(self, data, *, defaults=None):
        d = defaults or {}
        self.errors: dict[str, list[str]] = {}
        self.round = self._int(data.get("round")) if "round" in data else d.get("round")
        self.interviewers = ([i for i in (self._int(v) for v in data.getlist("interviewers")) if i is not None]
                             if "interviewers" in data or "round" in data else d.get("interviewers", []))
        self.room = self._int(data.get("room")) if "room" in data else d.get("room")
        self.meeting_url = (data.get("meeting_url") or "").strip()
        self.reason = (data.get("reason") or "").strip()
        self.slot = data.get("slot", "")
        self.date = data.get("date", d.get("date", ""))
        self.time = data.get("time", d.get("time", ""))
        try:
            self.first_day = date.fromisoformat(data.get("from", ""))
        except ValueError:
            self.first_day = None

    @staticmethod
    def _int(value):
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def starts_at(self) -> datetime | None:
        """The picked free time, or the typed local date and time; None with an error under ``when``."""
        if self.slot:
            try:
                moment = datetime.fromisoformat(self.slot)
            except ValueError:
                moment = None
            if moment is None or timezone.is_naive(moment):
                self.add("when", _("Pick one of the free times shown."))
                return None
            return moment
        if not self.date or not self.time:
            self.add("when", _("Pick a free time, or type a date and a time."))
            return None
        try:
            return availability.local_moment(date.fromisoformat(self.date), time.fromisoformat(self.time))
        except ValueError:
            self.add("when", _("Type the date like 2026-03-04 and the time like 09:30."))
            return None

    def add(self, field, *msgs):
        self.errors.setdefault(field, []).extend(str(m) for m in msgs)

    def add_service_errors(self, exc: ValidationError):
        for key, msgs in exc.message_dict.items():
            self.add(FIELD_OF.get(key, "form"), *msgs)


def _people_choices(user, job, extra_ids=()):
    """Who may be put on a round of ``job``: the job's round interviewers and the staff of its department (and
    below), within the viewer's scope."""
    User = get_user_model()
    return list(User.objects.for_user(user).filter(is_active=True).filter(
        Q(interview_rounds__job=job) | Q(departments__path__startswith=job.department.path) | Q(pk__in=extra_ids))
        .distinct().order_by("full_name", "username")[:300])


def _grid(request, inp, *, user, application, round_id, interviewer_ids, room_id):
    today = local(timezone.now()).date()
    first = max(inp.first_day or today, today)
    days, errors = [], {}
    try:
        days = free_times(user=user, application=application, round_id=round_id, interviewer_ids=interviewer_ids,
                          room_id=room_id, first_day=first)
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(FIELD_OF.get(key, "form"), []).extend(msgs)
    query = {k: v for k, v in (("round", round_id or ""), ("room", room_id or "")) if v}
    base = [*query.items(), *(("interviewers", i) for i in interviewer_ids or [])]
    later = first + timedelta(days=GRID_DAYS)
    earlier = first - timedelta(days=GRID_DAYS)
    return {
        "days": days, "first_day": first, "last_day": first + timedelta(days=GRID_DAYS - 1), "grid_errors": errors,
        "later_url": "?" + urlencode([*base, ("from", later.isoformat())]),
        "earlier_url": "?" + urlencode([*base, ("from", max(earlier, today).isoformat())]) if first > today else "",
        "today": today,
    }


def _render_failure(request, inp, exc):
    if isinstance(exc, ValidationError):
        inp.add_service_errors(exc)
    elif isinstance(exc, Conflict):
        inp.add("form", str(exc.detail))


def _log_view(request, obj, what):
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=obj, detail=what, channel="web")


# -- schedule ------------------------------------------------------------------------------------------------

@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def schedule_page(request, pk):
    """Book a round for an application: the engine's free times to click, or a typed time (R-UI-2, R-SCHED-1)."""
    app = get_for_user_or_404(Application.objects.select_related("job__department", "candidate"), request.user,
                              pk=pk)
    if not request.user.has_perm(ADD):
        raise PermissionDenied
    if app.state not in SCHEDULABLE_STAGES and request.method == "GET":
        messages.error(request, _("No interview can be booked at the stage %(stage)s.") % {
            "stage": app.get_state_display()})
        return HttpResponseRedirect(application_url(app.pk))
    rounds = list(app.job.rounds.prefetch_related("interviewers").order_by("order"))
    booked = set(Interview.objects.filter(application=app, state__in=(*BOOKED_STATES, State.COMPLETED))
                 .values_list("round_id", flat=True))
    next_round = next((r for r in rounds if r.pk not in booked), rounds[0] if rounds else None)
    data = request.POST if request.method == "POST" else request.GET
    inp = Input(data, defaults={"round": next_round.pk if next_round else None})
    chosen = next((r for r in rounds if r.pk == inp.round), None)
    # A round just chosen (or none yet): its own interviewers, not the ones ticked for the round shown before.
    if chosen is not None and ("interviewers" not in data or str(chosen.pk) != data.get("round_shown", str(
            chosen.pk))):
        inp.interviewers = [p.pk for p in chosen.interviewers.all() if p.is_active]
    if request.method == "POST":
        starts_at = inp.starts_at()
        if starts_at is not None:
            try:
                interview = services.interview_schedule(
                    actor=request.user, application_id=app.pk, kind=Kind.HUMAN, round_id=inp.round,
                    starts_at=starts_at, interviewer_ids=inp.interviewers, room_id=inp.room,
                    meeting_url=inp.meeting_url)
            except (ValidationError, Conflict) as exc:
                _render_failure(request, inp, exc)
            else:
                messages.success(request, _("%(round)s booked for %(name)s on %(when)s. The invitation with the "
                                            "calendar file goes to the candidate by SMS and e-mail.") % {
                    "round": interview.title, "name": app.candidate.name,
                    "when": local(interview.starts_at).strftime("%Y-%m-%d %H:%M")})
                return HttpResponseRedirect(application_url(app.pk, interview.pk))
    _log_view(request, app, "schedule an interview")
    ctx = {
        "mode": "schedule", "application": app, "candidate": app.candidate, "job": app.job, "inp": inp,
        "rounds": rounds, "people": _people_choices(request.user, app.job, inp.interviewers),
        "rooms": list(Room.objects.for_user(request.user).order_by("name")[:200]),
        "back_url": application_url(app.pk), "action_url": request.path,
        **_grid(request, inp, user=request.user, application=app, round_id=inp.round,
                interviewer_ids=inp.interviewers, room_id=inp.room),
    }
    return render(request, "interviews/workspace/schedule.html", ctx, status=400 if inp.errors else 200)


def _interview_or_404(request, pk):
    return get_for_user_or_404(Interview.objects.select_related(
        "application__candidate", "application__job__department", "round", "room"), request.user, pk=pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reschedule_page(request, pk):
    """Move a round to another time (the same form, prefilled): a new booking replaces the old one, the calendars
    get the update (R-UI-2, R-SCHED-4)."""
    old = _interview_or_404(request, pk)
    if not (request.user.has_perm(CHANGE) and request.user.has_perm(ADD)):
        raise PermissionDenied
    app = old.application
    back = application_url(app.pk, old.pk)
    if old.state not in ACTIVE_STATES and request.method == "GET":
        messages.error(request, _("Only a proposed, scheduled or confirmed interview can be moved (it is "
                                  "%(state)s).") % {"state": old.get_state_display()})
        return HttpResponseRedirect(back)
    old_people = [p.pk for p in old.interviewers.all()]
    old_start = local(old.starts_at)
    data = request.POST if request.method == "POST" else request.GET
    inp = Input(data, defaults={"round": old.round_id, "interviewers": old_people, "room": old.room_id,
                                "date": old_start.date().isoformat(), "time": old_start.strftime("%H:%M")})
    inp.round = old.round_id  # the round stays; a different round is a new booking
    if request.method == "POST":
        starts_at = inp.starts_at()
        if starts_at is not None:
            try:
                new = services.interview_reschedule(actor=request.user, interview_id=old.pk, starts_at=starts_at,
                                                    interviewer_ids=inp.interviewers or None, room_id=inp.room,
                                                    reason=inp.reason)
            except (ValidationError, Conflict) as exc:
                _render_failure(request, inp, exc)
            else:
                messages.success(request, _("%(round)s moved to %(when)s. The candidate and the interviewers get "
                                            "the updated invitation.") % {
                    "round": new.title, "when": local(new.starts_at).strftime("%Y-%m-%d %H:%M")})
                return HttpResponseRedirect(application_url(app.pk, new.pk))
    _log_view(request, old, "reschedule")
    ctx = {
        "mode": "reschedule", "interview": old, "application": app, "candidate": app.candidate, "job": app.job,
        "inp": inp, "rounds": [old.round] if old.round_id else [],
        "people": _people_choices(request.user, app.job, inp.interviewers),
        "rooms": list(Room.objects.for_user(request.user).order_by("name")[:200]),
        "old_start": old_start, "back_url": back, "action_url": request.path,
        **_grid(request, inp, user=request.user, application=app, round_id=old.round_id,
                interviewer_ids=inp.interviewers, room_id=inp.room),
    }
    return render(request, "interviews/workspace/schedule.html", ctx, status=400 if inp.errors else 200)


# -- cancel, attended, no-show --------------------------------------------------------------------------------

@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cancel_page(request, pk):
    """Cancel a round, with the reason the candidate and the interviewers are told (R-UI-2, R-SCHED-4)."""
    interview = _interview_or_404(request, pk)
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    app = interview.application
    back = application_url(app.pk, interview.pk)
    inp = Input(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST":
        try:
            services.interview_cancel(actor=request.user, interview_id=interview.pk, reason=inp.reason)
        except Conflict as exc:
            messages.error(request, _("Not cancelled: %(message)s") % {"message": exc.detail})
            return HttpResponseRedirect(back)
        except ValidationError as exc:
            inp.add_service_errors(exc)
        else:
            messages.success(request, _("%(round)s cancelled. The candidate and the interviewers are told.") % {
                "round": interview.title})
            return HttpResponseRedirect(back)
    elif interview.state not in ACTIVE_STATES:
        messages.error(request, _("This interview is %(state)s already.") % {"state": interview.get_state_display()})
        return HttpResponseRedirect(back)
    _log_view(request, interview, "cancel")
    interview.local_start = local(interview.starts_at)
    return render(request, "interviews/workspace/cancel.html", {
        "interview": interview, "application": app, "candidate": app.candidate, "job": app.job, "inp": inp,
        "back_url": back}, status=400 if inp.errors else 200)


def _done(request, back, run, success):
    """Run a one-button action: a success message, or the refusal in words; back to the application page."""
    try:
        result = run()
    except Conflict as exc:
        messages.error(request, _("Nothing changed: %(message)s") % {"message": exc.detail})
    except ValidationError as exc:
        messages.error(request, _("Nothing changed: %(message)s") % {"message": " ".join(exc.messages)})
    else:
        messages.success(request, success(result))
    return HttpResponseRedirect(back)


@require_POST
@login_required
def attended(request, pk):
    """The round took place (HR, or one of its interviewers) (R-UI-2, R-NS-5)."""
    interview = _interview_or_404(request, pk)
    if not (request.user.has_perm(CHANGE) or interview.interviewers.filter(pk=request.user.pk).exists()):
        raise PermissionDenied
    return _done(request, application_url(interview.application_id, interview.pk),
                 lambda: services.interview_mark_attended(actor=request.user, interview_id=interview.pk),
                 lambda i: _("%(round)s marked as held.") % {"round": i.title})


@require_POST
@login_required
def no_show(request, pk):
    """The candidate did not come: the follow-up starts (rebooking link, HR alerts, backups) (R-UI-2, R-NS-5)."""
    interview = _interview_or_404(request, pk)
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    reason = (request.POST.get("reason") or "").strip()[:500]
    return _done(request, application_url(interview.application_id, interview.pk),
                 lambda: services.interview_mark_no_show(actor=request.user, interview_id=interview.pk,
                                                         reason=reason),
                 lambda i: _("%(round)s marked as a no-show. The candidate was sent a link to pick a new time; "
                             "rebook here when you reach them.") % {"round": i.title})


# -- rebook a no-show ---------------------------------------------------------------------------------------------

@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rebook_page(request, pk):
    """A no-show's follow-up by HR: book the time agreed with the candidate, send a new rebooking link, or close
    it without rebooking (R-UI-2, R-NS-6, R-SCHED-5)."""
    missed = _interview_or_404(request, pk)
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    app = missed.application
    back = application_url(app.pk, missed.pk)
    data = request.POST if request.method == "POST" else request.GET
    people = [p.pk for p in missed.interviewers.all()]
    inp = Input(data, defaults={"round": missed.round_id, "interviewers": people, "room": missed.room_id})
    inp.round, inp.interviewers, inp.room = missed.round_id, people, missed.room_id
    if request.method == "POST":
        what = request.POST.get("do", "book")
        if what == "link":
            return _done(request, back, lambda: services.no_show_rebooking_link_send(
                actor=request.user, interview_id=missed.pk),
                lambda offer: _("A new link to pick a time was sent to %(name)s by SMS and e-mail; it works until "
                                "%(when)s.") % {"name": app.candidate.name,
                                               "when": local(offer.expires_at).strftime("%Y-%m-%d %H:%M")})
        if what == "close":
            return _done(request, back, lambda: services.no_show_mark_handled(actor=request.user,
                                                                              interview_id=missed.pk),
                         lambda i: _("The no-show is closed without a new booking."))
        if not request.user.has_perm(ADD):
            raise PermissionDenied
        starts_at = inp.starts_at()
        if starts_at is not None:
            try:
                new = services.no_show_rebook(actor=request.user, interview_id=missed.pk, starts_at=starts_at)
            except (ValidationError, Conflict) as exc:
                _render_failure(request, inp, exc)
            else:
                messages.success(request, _("Rebooked: %(round)s on %(when)s. The candidate gets the invitation by "
                                            "SMS and e-mail; the earlier link no longer works.") % {
                    "round": new.title, "when": local(new.starts_at).strftime("%Y-%m-%d %H:%M")})
                return HttpResponseRedirect(application_url(app.pk, new.pk))
    elif missed.state != State.NO_SHOW or missed.follow_up_done_at is not None:
        messages.error(request, _("There is no open no-show to rebook for this interview."))
        return HttpResponseRedirect(back)
    _log_view(request, missed, "rebook a no-show")
    now = timezone.now()
    offer = missed.rebooking_offers.order_by("-created_at", "-id").first()
    offered = []
    if missed.kind == Kind.HUMAN:
        offered = [{"value": s.isoformat(), "local": local(s)} for s in services.rebooking_slots(missed, now=now)
                   if s > now]
    missed.local_start = local(missed.starts_at)
    ctx = {
        "mode": "rebook", "interview": missed, "application": app, "candidate": app.candidate, "job": app.job,
        "inp": inp, "offer": offer, "offer_slots": [local(datetime.fromisoformat(s)) for s in offer.slots]
        if offer else [], "offer_expires": local(offer.expires_at) if offer else None, "offered": offered,
        "back_url": back, "action_url": request.path, "people_names": ", ".join(
            str(p) for p in missed.interviewers.all()),
    }
    if missed.kind == Kind.HUMAN and missed.round_id:
        ctx.update(_grid(request, inp, user=request.user, application=app, round_id=missed.round_id,
                         interviewer_ids=people, room_id=missed.room_id))
    return render(request, "interviews/workspace/rebook.html", ctx, status=400 if inp.errors else 200)
