"""Pipeline board per job (issue 14, item 3; R-UI-3). In the workspace, not in ``candidates``: a card shows the
next interview and the latest AI score, so the board joins the pipeline with the interview stage.

``/workspace/jobs/``: the viewer's jobs (``JobRequisition.objects.for_user``) with their applications per stage
(``JobStageCount``, kept by the database). ``/workspace/jobs/<id>/board/``: a column per stage of the application
state machine in pipeline order, the closed stages (rejected, withdrawn, talent pool) counted in one column whose
cards show behind a filter; per column the count (``JobStageCount``; one GROUP BY of the job's applications when
a filter narrows them) and at most ``CARD_LIMIT`` cards, best match first ("show
more" raises one column to ``MORE_LIMIT``). A card: name (linking to the application page), match score, latest
AI overall score, next interview (Asia/Shanghai), flags (required credential missing, expired or expiring; urgent
job) and the moves the viewer may make. The queries do not grow with the number of cards: the card ids by a
union of one top-N per stage, the cards with the AI score and the next interview as subqueries, the credentials
by one prefetch. The cards' HTML is written here (``_cards_html``), not by the template: up to 200 cards of a
dozen template tags each were most of the page's time.

Moves (``board:move``, POST): through ``candidates.services.application_transition``, the API's service, by
the move's name (a button per allowed move, the reason field where the move needs one) or by a target stage (the
"move to" form, which drag and drop in ``static/hrsys/board.js`` submits). A refused move changes nothing and
shows the service's message and the moves allowed now by their labels. Hiring managers (no
``candidates.change_application``) see their department's boards read-only.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from html import escape as html_escape
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from candidates import services
from candidates.models import (
    INACTIVE_STATES,
    MOVE_PERMISSION,
    TRANSITION_NAMES,
    Application,
    Credential,
    CredentialType,
    JobRequisition,
    JobStageCount,
    SourceChannel,
    State,
)
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.errors import Conflict
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.timezones import local_tz
from interviews.ai.models import AIInterviewResult
from interviews.models import ACTIVE_STATES as INTERVIEW_ACTIVE_STATES
from interviews.models import Interview

VIEW_PERMISSION = "candidates.view_application"
#: Cards per column, and per column after "show more".
CARD_LIMIT = 20
MORE_LIMIT = 200
#: A required credential expiring within this many days is flagged.
EXPIRING_DAYS = 30
#: The columns, in pipeline order; the closed stages share the last one.
OPEN_COLUMNS = [s for s in State if s not in INACTIVE_STATES]
CLOSED = "closed"


@dataclass
class Column:
    key: str
    label: str
    count: int = 0
    cards: list = field(default_factory=list)
    more_url: str = ""
    states: tuple = ()
    cards_html: str = ""


@dataclass
class Filters:
    source: str = ""
    min_score: int | None = None
    q: str = ""
    closed: bool = False
    more: str = ""

    @classmethod
    def from_request(cls, get) -> "Filters":
        source = get.get("source", "")
        try:
            min_score = int(get.get("min_score", "")) if get.get("min_score", "").strip() else None
        except ValueError:
            min_score = None
        if min_score is not None:
            min_score = max(0, min(100, min_score))
        return cls(source=source if source in SourceChannel.values else "", min_score=min_score,
                   q=get.get("q", "").strip()[:100], closed=get.get("closed") == "1", more=get.get("more", ""))

    def apply(self, qs):
        if self.source:
            qs = qs.filter(source=self.source)
        if self.min_score is not None:
            qs = qs.filter(match_score__gte=self.min_score)
        if self.q:
            qs = qs.filter(candidate__name__icontains=self.q)
        return qs

    @property
    def narrows(self) -> bool:
        """Whether the filters leave out some of the job's applications (the columns then count what is left)."""
        return bool(self.source or self.min_score is not None or self.q)

    def query(self, **changes) -> str:
        values = {"source": self.source, "min_score": "" if self.min_score is None else self.min_score, "q": self.q,
                  "closed": "1" if self.closed else "", "more": self.more, **changes}
        values = {k: v for k, v in values.items() if v not in ("", None)}
        return "?" + urlencode(values) if values else ""


def _label(name: str) -> str:
    return services.transition_label(name)


def _targets() -> dict[str, str]:
    """Transition name -> the stage it leads to."""
    out = {}
    for name in TRANSITION_NAMES:
        meta = getattr(Application, name)._django_fsm
        out[name] = next(iter(meta.transitions.values())).target
    return out


def _needs_reason(name: str) -> bool:
    meta = getattr(Application, name)._django_fsm
    return bool(next(iter(meta.transitions.values())).custom.get("needs_reason"))


def _flags(app, required, today, urgent) -> list[dict]:
    """The card's warnings: required credentials missing / expired (what the credential guards refuse, as in
    ``Application.credential_problems``) or expiring within ``EXPIRING_DAYS``; an urgent job. ``required``: the
    job's required credential types with their labels, ``urgent``: the urgent flag or None (both once per board)."""
    flags = []
    if required:
        creds = list(app.candidate.credentials.all())  # the prefetch: the required types only
        soon = today + timedelta(days=EXPIRING_DAYS)
        for ctype, label in required:
            mine = [c for c in creds if c.type == ctype]
            valid = [c for c in mine if c.is_valid_on(today)]
            if not mine:
                flags.append({"kind": "bad", "text": _("%(credential)s is missing") % {"credential": label}})
            elif not valid:
                latest = max((c.expires_on for c in mine if c.expires_on), default=None)
                flags.append({"kind": "bad", "text": _("%(credential)s expired on %(date)s") % {
                    "credential": label, "date": latest.isoformat() if latest else "–"}})
            elif all(c.expires_on and c.expires_on <= soon for c in valid):
                last = max(c.expires_on for c in valid)
                flags.append({"kind": "warn", "text": _("%(credential)s expires on %(date)s") % {
                    "credential": label, "date": last.isoformat()}})
    if urgent:
        flags.append(urgent)
    return flags


def _required_labels(job) -> list[tuple[str, str]]:
    """The job's required credential types with their labels (the type itself when it is not a known one)."""
    known = dict(CredentialType.choices)
    return [(ctype, str(known[ctype]) if ctype in known else ctype) for ctype in job.required_credentials or []]


#: the columns a card needs (its candidate's name; state and score; what the guards read)
CARD_FIELDS = ("id", "state", "match_score", "job_id", "candidate_id", "candidate__id", "candidate__name")


def _top_ids(base, limits: dict) -> list[int]:
    """The ids of the best matches of each stage, ``limits[state]`` of them, in one query: per stage a top-N
    read in the order of the index ``cand_app_job_stage_score`` (a window over all the job's rows would read and
    sort every one of them), put together with UNION ALL (each part wrapped so SQLite accepts its LIMIT)."""
    if not limits:
        return []
    order = [Coalesce("match_score", -1).desc(), F("id").desc()]
    parts, params = [], []
    for n, (state, limit) in enumerate(limits.items()):
        sql, part_params = base.filter(state=state).order_by(*order).values_list("pk")[:limit].query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS board_part_{n}")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return [row[0] for row in cursor.fetchall()]


def _move_buttons(moves: list[dict]) -> tuple[list[dict], str, str]:
    """The moves, and their buttons as HTML, those without and those with a reason: the same for every card of a
    stage (and credential status), so built once per board, not rendered again in each of up to 200 cards."""
    button = '<button type="submit"{} name="transition" value="{}" data-move="{}">{}</button>'
    plain = format_html_join("", button, (("", m["name"], m["name"], m["label"]) for m in moves
                                          if not m["needs_reason"]))
    reason = format_html_join("", button, ((mark_safe(' class="secondary"'), m["name"], m["name"], m["label"])
                                           for m in moves if m["needs_reason"]))
    return moves, plain, reason


def board_data(*, user, job, filters: Filters, now=None) -> list[Column]:
    """The columns of ``job``'s board as ``user`` sees it (their application scope, ``filters``)."""
    now = now or timezone.now()
    scoped = Application.objects.for_user(user)  # the viewer's scope: what the counts and the cards are read from
    if filters.narrows:
        counts = dict(filters.apply(scoped.filter(job=job)).values_list("state").annotate(n=Count("id")).order_by())
    else:  # the whole job: the counts the database keeps (a job the viewer sees has all its applications in scope)
        counts = JobStageCount.objects.for_jobs([job.pk]).get(job.pk, {})
    columns = [Column(key=s.value, label=str(s.label), count=counts.get(s.value, 0), states=(s.value,))
               for s in OPEN_COLUMNS]
    closed = Column(key=CLOSED, label=_("Closed"), states=tuple(s.value for s in INACTIVE_STATES),
                    count=sum(counts.get(s, 0) for s in INACTIVE_STATES))
    columns.append(closed)

    shown_states = [s.value for s in OPEN_COLUMNS] + (list(closed.states) if filters.closed else [])
    more_states = next((c.states for c in columns if c.key == filters.more), ())
    # The best matches per stage among the job's applications, and then the cards read from those within the
    # viewer's scope: the same cards (a job the viewer sees has all its applications in scope), but the scope's
    # constants (jobs, and the applications of the viewer's interviews: hundreds for some) planned once, in
    # the cards' query, not again in each stage's part of the union, where planning them took longer than
    # reading the rows.
    ids = _top_ids(filters.apply(Application.objects.filter(job=job)),
                   {state: MORE_LIMIT if state in more_states else CARD_LIMIT
                    for state in shown_states if counts.get(state)})

    cards = []
    if ids:
        latest_ai = (AIInterviewResult.objects.filter(application=OuterRef("pk"))
                     .order_by("-received_at", "-id").values("overall_score")[:1])
        next_interview = (Interview.objects.filter(application=OuterRef("pk"), state__in=INTERVIEW_ACTIVE_STATES,
                                                   starts_at__gte=now).order_by("starts_at").values("starts_at")[:1])
        # what a card shows and the guards read, nothing else: no encrypted contact details to decrypt, no
        # match breakdown or skills to decode, per card
        qs = (scoped.filter(pk__in=ids).select_related("candidate").only(*CARD_FIELDS)
              .annotate(ai_score=Subquery(latest_ai), next_interview=Subquery(next_interview))
              .order_by(Coalesce("match_score", -1).desc(), "-id"))
        required = list(job.required_credentials or [])
        if required:
            qs = qs.prefetch_related(Prefetch(
                "candidate__credentials", queryset=Credential.objects.filter(type__in=required)
                .only("id", "candidate_id", "type", "expires_on", "issued_on")))
        cards = list(qs)
    tz, today = local_tz(), timezone.localtime(now, local_tz()).date()
    may_move = user.has_perm(MOVE_PERMISSION)
    # The moves allowed depend on the stage, the viewer and the guards, which read only the required credentials:
    # asked of the service once per (stage, credentials in order), not once per card.
    moves_for = {}
    by_state = {}
    required = _required_labels(job)
    urgent = {"kind": "urgent", "text": _("Urgent job")} if job.priority == "urgent" else None
    for app in cards:
        app.job = job  # the guards read the job; one row for every card
        app.local_next_interview = timezone.localtime(app.next_interview, tz) if app.next_interview else None
        app.flags = _flags(app, required, today, urgent)
        app.moves, app.needs_reason = [], False
        if may_move:
            key = (app.state, any(f["kind"] == "bad" for f in app.flags))
            if key not in moves_for:
                moves_for[key] = _move_buttons([{"name": name, "label": _label(name), "needs_reason": _needs_reason(name)}
                                                for name in services.allowed_transitions(app, user)])
            app.moves, app.plain_buttons, app.reason_buttons = moves_for[key]
            app.needs_reason = bool(app.reason_buttons)
        by_state.setdefault(app.state, []).append(app)
    for column in columns:
        for state in column.states:
            column.cards.extend(by_state.get(state, []))
        if column.key == CLOSED and not filters.closed:
            continue
        if column.count > len(column.cards) and column.key != filters.more:
            column.more_url = filters.query(more=column.key)
    return columns


#: A card, as the board's template would write it (see ``_cards_html``); its parts filled in escaped.
CARD_HTML = (
    '\n  <article class="board-card" id="card-{pk}" data-application="{pk}" data-state="{state}"{draggable}>\n'
    '    <a class="name" href="{application_base}{pk}/">{name}</a>\n'
    '    {stage}\n'
    '    <dl><dt>{t_match}</dt><dd class="match">{match}</dd><dt>{t_ai}</dt><dd class="ai">{ai}</dd>'
    '<dt>{t_next}</dt><dd class="next">{next}</dd></dl>\n'
    '    {flags}\n'
    '    {moves}\n'
    '  </article>\n  ')
MOVES_HTML = (
    '<details class="moves"><summary>{t_move}</summary><form method="post" action="{move_base}{pk}/" '
    'class="move-form"><input type="hidden" name="csrfmiddlewaretoken" value="{csrf}"><input type="hidden" '
    'name="back" value="{back}">{plain}{reason}{none}</form></details>')
REASON_HTML = '<label for="reason-{pk}">{t_reason}</label><input id="reason-{pk}" name="reason" maxlength="500">{buttons}'


def _esc(value) -> str:
    """``django.utils.html.escape`` without its lazy-string wrapper (the same characters escaped, the same way)."""
    return html_escape(str(value))


def _cards_html(columns: list[Column], *, may_move: bool, application_base: str, move_base: str, back: str,
                csrf_token: str) -> None:
    """Each column's cards as one piece of HTML (``column.cards_html``): what the template wrote per card, built
    here with one format string each. Up to 200 cards a board, each a dozen template variables and tags, made
    template rendering the larger part of the page's time; the labels, URLs and the board's stage names are
    looked up once per board, and every value from the database is escaped as the template escaped it."""
    page = {k: _esc(v) for k, v in {
        "t_match": _("Match"), "t_ai": _("AI score"), "t_next": _("Next interview"), "t_move": _("Move"),
        "t_reason": _("Reason"), "application_base": application_base, "move_base": move_base, "back": back,
        "csrf": csrf_token}.items()}
    none = format_html('<p class="muted">{}</p>', _("No moves are possible now."))
    draggable = ' draggable="true"' if may_move else ""
    stage_names = {value: _esc(label) for value, label in State.choices}
    flag_items = {}  # (kind, text) -> its <li>: most flags repeat from card to card (an urgent job, a credential)
    for column in columns:
        closed, html = column.key == CLOSED, []
        for app in column.cards:
            pk = app.pk
            flags = ""
            if app.flags:
                items = []
                for f in app.flags:
                    key = (f["kind"], f["text"])
                    if key not in flag_items:
                        flag_items[key] = f'<li class="flag {_esc(f["kind"])}">{_esc(f["text"])}</li>'
                    items.append(flag_items[key])
                flags = '<ul class="flags">' + "".join(items) + "</ul>"
            moves = ""
            if may_move:
                reason = REASON_HTML.format(pk=pk, t_reason=page["t_reason"], buttons=app.reason_buttons) \
                    if app.needs_reason else ""
                moves = MOVES_HTML.format(pk=pk, t_move=page["t_move"], move_base=page["move_base"],
                                          csrf=page["csrf"], back=page["back"], plain=app.plain_buttons,
                                          reason=reason, none="" if app.moves else none)
            nxt = app.local_next_interview
            html.append(CARD_HTML.format(
                pk=pk, state=_esc(app.state), draggable=draggable, application_base=page["application_base"],
                name=_esc(app.candidate.name),
                stage=f'<div class="muted">{stage_names.get(app.state) or _esc(app.state)}</div>' if closed else "",
                t_match=page["t_match"], t_ai=page["t_ai"], t_next=page["t_next"],
                match="–" if app.match_score is None else app.match_score,
                ai="–" if app.ai_score is None else conditional_escape(floatformat(app.ai_score, 0)),
                next=dateformat.format(template_localtime(nxt), "Y-m-d H:i") if nxt else "–",
                flags=flags, moves=moves))
        column.cards_html = mark_safe("".join(html))  # noqa: S308 - every value above escaped


@never_cache
@login_required
def job_list(request):
    """The viewer's jobs with their applications counted per stage (R-UI-3)."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    jobs = list(JobRequisition.objects.for_user(request.user).select_related("department")
                .exclude(status__in=[JobRequisition.Status.CLOSED, JobRequisition.Status.FILLED])
                .order_by("department__name", "title", "id")[:200])
    # Kept by the database per job and stage (JobStageCount), not counted here: counting read every application
    # of up to 200 jobs, in proportion to the table. The jobs are the viewer's (scoped), and a job visible to
    # someone has all its applications visible to them too (hrsys.accounts.scope: an application belongs to
    # its job's department), so its counts are those of the viewer's scope.
    counts = JobStageCount.objects.for_jobs([j.pk for j in jobs])
    for job in jobs:
        mine = counts.get(job.pk, {})
        job.stage_counts = [mine.get(s.value, 0) for s in OPEN_COLUMNS]
        job.closed_count = sum(mine.get(s, 0) for s in INACTIVE_STATES)
        job.total = sum(mine.values())
    return render(request, "workspace/board_jobs.html", {
        "jobs": jobs, "stages": [str(s.label) for s in OPEN_COLUMNS]})


@never_cache
@login_required
def board(request, pk):
    """One job's pipeline board (R-UI-3)."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    job = get_for_user_or_404(JobRequisition.objects.select_related("department"), request.user, pk=pk)
    filters = Filters.from_request(request.GET)
    columns = board_data(user=request.user, job=job, filters=filters)
    shown = [str(c.pk) for col in columns for c in col.cards]
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=("candidates.application", ""),
               detail=(f"pipeline board of job {job.pk}: " + ",".join(shown))[:300], channel="web")
    may_move, move_base = request.user.has_perm(MOVE_PERMISSION), reverse("board:move", args=[0])[:-2]
    back = request.get_full_path()
    _cards_html(columns, may_move=may_move, application_base=reverse("board:application", args=[0]).split("/0/")[0]
                + "/", move_base=move_base, back=back, csrf_token=get_token(request) if may_move else "")
    return render(request, "workspace/board.html", {
        "job": job, "columns": columns, "filters": filters, "sources": SourceChannel.choices,
        "may_move": may_move, "move_base": move_base, "back": back, "card_limit": CARD_LIMIT,
        "closed_url": filters.query(closed="" if filters.closed else "1", more=""),
    })


def _refusal(app, name: str, exc) -> str:
    """A refused move in words: the service's message (the move by its label) and the moves allowed now."""
    fresh = Application.objects.select_related("job", "candidate").get(pk=app.pk)
    meta = getattr(Application, name)._django_fsm if name else None
    if meta is None or not meta.has_transition(fresh.state):
        label = _label(name) if name else ""
        message = _("%(move)s is not possible from the stage %(stage)s.") % {
            "move": label, "stage": fresh.get_state_display()}
    else:
        message = str(exc.detail)
    allowed = [_label(n) for n in getattr(exc, "allowed", [])]
    return _("Not moved: %(name)s. %(message)s Allowed now: %(allowed)s.") % {
        "name": fresh.candidate.name, "message": message, "allowed": "、".join(allowed) or _("none")}


def _pick_transition(app, target: str) -> str:
    """The move that leads ``app`` to stage ``target``: the one possible from its stage, else any leading there."""
    leading = [n for n, t in _targets().items() if t == target]
    for name in leading:
        if getattr(Application, name)._django_fsm.has_transition(app.state):
            return name
    return leading[0] if leading else ""


@require_POST
@login_required
def move(request, pk):
    """Move one application from the board, through the API's service (R-UI-3, R-PIPE-2)."""
    app = get_for_user_or_404(Application.objects.select_related("candidate", "job"), request.user, pk=pk)
    if not request.user.has_perm(MOVE_PERMISSION):
        raise PermissionDenied
    back = request.POST.get("back", "")
    board_url = reverse("board:board", args=[app.job_id])
    # back to the board or to the application's page (R-UI-2), whichever the move was made from
    backs = (board_url, reverse("board:application", args=[app.pk]))
    if not (back.startswith(backs) and url_has_allowed_host_and_scheme(back, allowed_hosts=None)):
        back = board_url
    name = request.POST.get("transition", "")
    target = request.POST.get("to", "")
    if not name and target:
        if target not in State.values:
            raise Http404
        if target == app.state:
            return HttpResponseRedirect(back)
        name = _pick_transition(app, target)
        if not name:
            messages.error(request, _("Not moved: %(name)s. Moving to %(stage)s is not possible from the stage "
                                      "%(current)s. Allowed now: %(allowed)s.") % {
                "name": app.candidate.name, "stage": State(target).label, "current": app.get_state_display(),
                "allowed": "、".join(_label(n) for n in services.allowed_transitions(app, request.user))
                or _("none")})
            return HttpResponseRedirect(back)
    if name not in TRANSITION_NAMES:
        raise Http404
    try:
        services.application_transition(actor=request.user, application_id=app.pk, transition=name,
                                        reason=request.POST.get("reason", ""))
    except Conflict as exc:
        messages.error(request, _refusal(app, name, exc))
    except ValidationError as exc:
        messages.error(request, _("Not moved: %(name)s. %(message)s") % {
            "name": app.candidate.name, "message": " ".join(exc.messages)})
    except PermissionDenied:
        messages.error(request, _("You may not make this move."))
    else:
        messages.success(request, _("%(name)s: %(move)s done.") % {"name": app.candidate.name, "move": _label(name)})
    return HttpResponseRedirect(back)
