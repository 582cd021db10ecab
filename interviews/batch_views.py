"""Batch scheduling in the browser (issue 14, item 4; R-SCHED-2, R-UI-4).

``/interviews/batch/?job=<id>``: choose the round, the period (dates in Beijing time, not in the past), the
interviewers (a panel and how many of it per candidate, and / or people every interview needs) and rooms, and
select applications of the job eligible for the round (open, at a stage where an interview is next, without an
active interview of that round), filtered by stage and minimum match score. "Preview" shows the engine's plan
without booking anything (``interviews.batch_preview``): who, when (Asia/Shanghai), with whom, which room, and the
unplaced with the reason in words. "Confirm" calls ``services.batch_schedule_start``, the API's service, which
queues the run; bad input shows the service's errors beside the fields and queues nothing.

``/interviews/batch/<run_id>/``: the run's progress (status, done of total; ``batch.js`` polls
``/interviews/batch/<run_id>/progress/``, without JavaScript the page refreshes itself), then the placed count,
the booked interviews (linking to the application page) and the unplaced with their reasons. Invitations and
reminders go out from ``interview_schedule`` as for any booking.

Scope: jobs through ``JobRequisition.objects.for_user``, runs through ``BatchRun.objects.for_user`` (404 outside);
without ``interviews.add_interview`` 403. The pages naming candidates are access-logged.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from candidates.models import Application, JobRequisition
from candidates.models import State as AppState
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.timezones import local_today, local_tz

from . import services
from .batch_preview import batch_preview, reason_text
from .models import ACTIVE_STATES, BatchRun, Interview, Room

PERMISSION = "interviews.add_interview"
#: Stages at which an interview is the next step.
ELIGIBLE_STATES = (AppState.SCREENING, AppState.AI_COMPLETED, AppState.AI_REVIEW, AppState.INTERVIEWING)
#: At most this many applications are listed (best match first); filters narrow the list.
LIST_LIMIT = 500
#: Default period: from the next day, this many days.
DEFAULT_DAYS = 14
PEOPLE_LIMIT = 300


def _require(user):
    if not user.has_perm(PERMISSION):
        raise PermissionDenied


def application_url(pk: int) -> str:
    """The application page (the workspace's, else the admin's)."""
    try:
        return reverse("board:application", args=[pk])
    except NoReverseMatch:
        return reverse("admin:candidates_application_change", args=[pk])


# -- the form ------------------------------------------------------------------------------------------------

class BatchForm(forms.Form):
    """The batch's choices; the service checks them again and its errors land on these fields."""

    round = forms.ModelChoiceField(queryset=None, label=_("Round"), widget=forms.HiddenInput)
    # a date input's value is always ISO, whatever the language's date format
    date_from = forms.DateField(label=_("From (date)"),
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("Until (date, inclusive)"),
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    panel = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=_("Panel"), widget=forms.CheckboxSelectMultiple,
        help_text=_("Each interview gets the chosen number of these people, the least busy first."))
    panel_pick = forms.IntegerField(label=_("Interviewers of the panel per candidate"), min_value=1, max_value=20,
                                    initial=1)
    required = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=_("Required interviewers"), widget=forms.CheckboxSelectMultiple,
        help_text=_("Every interview needs all of these people."))
    rooms = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=_("Rooms"), widget=forms.CheckboxSelectMultiple,
        help_text=_("On site: one free room of these per interview. None chosen: no room (video)."))
    applications = forms.TypedMultipleChoiceField(coerce=int, label=_("Applications to schedule"), choices=(),
                                                  widget=forms.CheckboxSelectMultiple,
                                                  error_messages={"required": _("Choose at least one application.")})

    #: The service's field names -> the form's.
    SERVICE_FIELDS = {"period_start": "date_from", "period_end": "date_to", "round": "round",
                      "applications": "applications", "panel": "panel", "panel_pick": "panel_pick",
                      "required": "required", "rooms": "rooms"}

    def __init__(self, *args, job, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        self.fields["round"].queryset = job.rounds.all()
        people = interviewer_choices(user, job)
        self.fields["panel"].queryset = people
        self.fields["required"].queryset = people
        self.fields["rooms"].queryset = Room.objects.for_user(user).order_by("name")
        self.fields["applications"].choices = [
            (pk, pk) for pk in Application.objects.for_user(user).filter(job=job).values_list("pk", flat=True)]

    def clean_date_from(self):
        value = self.cleaned_data["date_from"]
        if value < local_today():
            raise ValidationError(_("The period cannot start in the past."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The last day cannot be before the first day."))
        return data

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware moments: from the first day's midnight in Beijing time (today: from now) to the
        midnight after the last day."""
        tz = local_tz()
        start = dt.datetime.combine(self.cleaned_data["date_from"], dt.time(0), tzinfo=tz)
        soon = (timezone.now() + dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
        start = max(start, soon)
        end = dt.datetime.combine(self.cleaned_data["date_to"] + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        return start, end

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        start, end = self.period()
        return {"job_id": self.job.pk, "round_id": d["round"].pk, "application_ids": d["applications"],
                "period_start": start, "period_end": end, "panel": [u.pk for u in d["panel"]],
                "panel_pick": d["panel_pick"], "required": [u.pk for u in d["required"]],
                "room_ids": [r.pk for r in d["rooms"]]}

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, errors in exc.message_dict.items():
            field = self.SERVICE_FIELDS.get(key)
            for error in errors:
                self.add_error(field, error)


def interviewer_choices(user, job):
    """People who may be chosen: active, in the viewer's scope, of the job's department (and below) or on one of
    the job's rounds."""
    users = get_user_model().objects.for_user(user).filter(is_active=True).filter(
        Q(departments__path__startswith=job.department.path) | Q(interview_rounds__job=job))
    return get_user_model().objects.filter(pk__in=users.values("pk")).order_by("full_name", "username")


# -- the eligible applications -------------------------------------------------------------------------------

def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def eligible_applications(*, user, job, round_obj, stage: str = "", min_score=None):
    """Applications of ``job`` in the viewer's scope at a stage where an interview is next and without an
    active interview of ``round_obj``; best match first, at most ``LIST_LIMIT``."""
    qs = (Application.objects.for_user(user).filter(job=job, state__in=ELIGIBLE_STATES)
          .select_related("candidate"))
    if round_obj is not None:
        qs = qs.exclude(Exists(Interview.objects.filter(application=OuterRef("pk"), round=round_obj,
                                                        state__in=ACTIVE_STATES)))
    if stage in ELIGIBLE_STATES:
        qs = qs.filter(state=stage)
    if min_score is not None:
        qs = qs.filter(match_score__gte=min_score)
    return list(qs.order_by("-match_score", "id")[:LIST_LIMIT])


# -- pages ---------------------------------------------------------------------------------------------------

def _job_picker(request):
    jobs = (JobRequisition.objects.for_user(request.user).select_related("department")
            .exclude(status__in=[JobRequisition.Status.CLOSED, JobRequisition.Status.FILLED])
            .order_by("department__name", "title", "id")[:200])
    return render(request, "interviews/batch_jobs.html", {"jobs": jobs})


def _log(user, what: str, pks) -> None:
    access_log(actor=user, kind=AccessLog.Kind.VIEW, obj=("candidates.application", ""),
               detail=(what + ": " + ",".join(map(str, pks)))[:300], channel="web")


@never_cache
@login_required
def batch_page(request):
    """GET: the choices and the eligible applications; POST ``action=preview``: the engine's plan, nothing
    booked; POST ``action=confirm``: queue the batch through ``services.batch_schedule_start`` (R-SCHED-2, R-UI-4)."""
    user = request.user
    _require(user)
    if not request.GET.get("job"):
        return _job_picker(request)
    job = get_for_user_or_404(JobRequisition.objects.select_related("department"), user, pk=request.GET["job"])
    rounds = list(job.rounds.prefetch_related("interviewers").order_by("order"))
    chosen_round = next((r for r in rounds if str(r.pk) == request.GET.get("round")), rounds[0] if rounds else None)
    stage = request.GET.get("stage", "")
    min_score = _int_or_none(request.GET.get("min_score"))
    action = request.POST.get("action", "")
    if request.method == "POST":
        form = BatchForm(request.POST, job=job, user=user)
        valid = form.is_valid()
        chosen_round = form.cleaned_data.get("round") or chosen_round
        if valid and action in ("preview", "confirm"):
            try:
                if action == "confirm":
                    run = services.batch_schedule_start(actor=user, **form.service_kwargs())
                    messages.success(request, _("The batch is queued: %(n)s applications.") % {"n": run.total})
                    return redirect("interviews:batch-run", run_id=run.pk)
                preview = batch_preview(actor=user, **form.service_kwargs())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                for row in (*preview.planned, *preview.unplaced):
                    row.url = application_url(row.application.pk)
                _log(user, f"batch preview job {job.pk}", preview.batch["application_ids"])
                return render(request, "interviews/batch_preview.html", {
                    "job": job, "form": form, "preview": preview, "round": preview.batch["round"],
                    "period": form.period(), "query": request.GET.urlencode()})
    else:
        today = local_today()
        first = today + dt.timedelta(days=1)
        initial = {"round": chosen_round, "date_from": first, "date_to": first + dt.timedelta(days=DEFAULT_DAYS - 1),
                   "panel_pick": 1, "panel": list(chosen_round.interviewers.all()) if chosen_round else [],
                   "applications": [a.pk for a in eligible_applications(
                       user=user, job=job, round_obj=chosen_round, stage=stage, min_score=min_score)]
                   if request.GET.get("all") else []}
        form = BatchForm(initial=initial, job=job, user=user)
    apps = eligible_applications(user=user, job=job, round_obj=chosen_round, stage=stage, min_score=min_score)
    selected = {str(v) for v in (form["applications"].value() or [])}
    _log(user, f"batch scheduling job {job.pk}", [a.pk for a in apps])
    return render(request, "interviews/batch.html", {
        "job": job, "form": form, "rounds": rounds, "chosen_round": chosen_round, "apps": apps,
        "selected": selected, "stage": stage, "min_score": min_score, "list_limit": LIST_LIMIT,
        "stages": [(s.value, s.label) for s in ELIGIBLE_STATES],
        "all_url": "?" + urlencode({**request.GET.dict(), "all": "1"}),
        "query": request.GET.urlencode(),
    }, status=400 if form.errors else 200)


def _progress(run) -> dict:
    percent = round(100 * run.done / run.total) if run.total else 100
    finished = run.status in (BatchRun.Status.DONE, BatchRun.Status.FAILED)
    return {"status": run.status, "status_label": str(run.get_status_display()), "done": run.done,
            "total": run.total, "placed": run.placed, "percent": percent, "finished": finished}


def _run_for(request, run_id):
    _require(request.user)
    return get_for_user_or_404(BatchRun.objects.select_related("job__department", "round", "created_by"),
                               request.user, pk=run_id)


@never_cache
@login_required
@require_GET
def batch_run_page(request, run_id):
    """One run: progress while it runs, then the booked interviews and the unplaced with reasons (R-UI-4)."""
    run = _run_for(request, run_id)
    progress = _progress(run)
    booked, unplaced = [], []
    if run.status != BatchRun.Status.QUEUED:
        booked = list(Interview.objects.for_user(request.user)
                      .filter(application_id__in=run.application_ids, round=run.round,
                              created_at__gte=run.created_at, created_by=run.created_by)
                      .select_related("application__candidate", "room").prefetch_related("interviewers")
                      .order_by("starts_at", "id"))
        tz = local_tz()
        for interview in booked:
            interview.local_start = timezone.localtime(interview.starts_at, tz)
            interview.local_end = timezone.localtime(interview.ends_at, tz)
            interview.url = application_url(interview.application_id)
        apps = Application.objects.for_user(request.user).select_related("candidate").in_bulk(
            [u.get("application") for u in run.unplaced])
        for entry in run.unplaced:
            app = apps.get(entry.get("application"))
            reason = entry.get("reason", "")
            unplaced.append({
                "application": app, "url": application_url(app.pk) if app else "",
                "text": reason_text(reason), "blocking": entry.get("blocking") or [],
                "detail": entry.get("detail", "") if reason in ("invalid", "conflict") else ""})
        _log(request.user, f"batch run {run.pk}",
             [i.application_id for i in booked] + [u["application"].pk for u in unplaced if u["application"]])
    return render(request, "interviews/batch_run.html", {
        "run": run, "progress": progress, "booked": booked, "unplaced": unplaced,
        "progress_url": reverse("interviews:batch-progress", args=[run.pk]),
        "again_url": reverse("interviews:batch") + "?" + urlencode({"job": run.job_id, "round": run.round_id}),
    })


@never_cache
@login_required
@require_GET
def batch_progress(request, run_id):
    """The run's progress as JSON, for the page's polling: no candidate data."""
    return JsonResponse(_progress(_run_for(request, run_id)))
