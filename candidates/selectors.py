"""Reads of the hiring pipeline, always within the viewer's data scope (R-SEC-1, R-PIPE-5).

List selectors return querysets whose query count does not depend on the page
size: related rows are joined (``select_related``) or prefetched once per page.
"""

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse

from hrsys.accounts.models import Department, Role, User
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.audit.labels import action_label, actor_in_words, object_type_label
from hrsys.audit.models import AuditEvent
from notifications import selectors as notification_selectors
from notifications.catalog import template_label

from .models import (
    TRANSITION_NAMES,
    Application,
    Candidate,
    Credential,
    JobRequisition,
    Resume,
    TalentPoolEntry,
    TransitionLog,
)
from .services import transition_label

ENCRYPTED_CANDIDATE_FIELDS = ("candidate__phone", "candidate__email", "candidate__id_number")

# What list pages show: narrow rows keep sorting and transfer cheap at 100,000 applications.
APPLICATION_LIST_FIELDS = (
    "id", "candidate_id", "job_id", "state", "source", "match_score", "match_breakdown", "created_at",
    "state_changed_at", "candidate__name", "job__title", "job__priority", "job__department_id",
    "job__required_credentials", "job__department__name",
)

APPLICATION_ORDERINGS = {
    # the same expression as the index cand_app_job_score, so the queue is read in index order
    "match_score": Coalesce("match_score", -1).asc(),
    "-match_score": Coalesce("match_score", -1).desc(),
    "created_at": F("created_at").asc(),
    "-created_at": F("created_at").desc(),
    "state_changed_at": F("state_changed_at").asc(),
    "-state_changed_at": F("state_changed_at").desc(),
    "name": F("candidate__name").asc(),
    "-name": F("candidate__name").desc(),
}


def _looks_like_identifier(term: str) -> bool:
    """Phone, email or ID number: searched exactly through the blind index, never by LIKE on ciphertext."""
    stripped = term.replace(" ", "").replace("-", "")
    return "@" in term or (len(stripped) >= 7 and stripped.lstrip("+").rstrip("Xx").isdigit())


def candidate_search_q(term: str, prefix: str = "") -> Q:
    term = (term or "").strip()
    if not term:
        return Q()
    if _looks_like_identifier(term):
        ids = Candidate.objects.by_identifier(term).values("pk")
        return Q(**{f"{prefix}pk__in" if prefix else "pk__in": ids})
    return Q(**{f"{prefix}name__icontains": term})


def job_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = JobRequisition.objects.for_user(user).select_related("department").prefetch_related(
        "rounds__interviewers")
    for key in ("status", "priority"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("department"):
        qs = qs.filter(department_id=filters["department"])
    return qs.order_by("-created_at", "-id")


def job_get(*, user, pk) -> JobRequisition:
    return get_for_user_or_404(JobRequisition.objects.select_related("department"), user, pk=pk)


def application_list(*, user, filters: dict | None = None):
    """The screening queue: filter by job, department (with its sub-departments), stage, priority,
    source, score range, tag; search by name, or exactly by phone / email / ID number."""
    qs = (Application.objects.for_user(user)
          .select_related("candidate", "job", "job__department")
          .only(*APPLICATION_LIST_FIELDS))
    return _filtered_applications(qs, filters or {})


def application_list_values(*, user, filters: dict | None = None):
    """``application_list`` as plain rows of the columns the list API shows (no model instances, no breakdown:
    the list answers 50 to 200 of them a request), and the same applications without those columns' joins
    (to count them): ``(rows, applications)``."""
    filters = filters or {}
    # one job's applications: the scope checked in the list's own query, the job's index narrowing the rows
    # first (no query of the scope's own); a list of every job keeps the scope's lists (see for_user)
    applications = _filtered_applications(Application.objects.for_user(user, inline=bool(filters.get("job"))),
                                          filters)
    rows = applications.values(
        "id", "candidate_id", "job_id", "state", "source", "match_score", "created_at", "state_changed_at",
        candidate_name=F("candidate__name"), job_title=F("job__title"), priority=F("job__priority"),
        department_id=F("job__department_id"), department_name=F("job__department__name"))
    return rows, applications


def _filtered_applications(qs, filters: dict):
    if filters.get("job"):
        qs = qs.filter(job_id=filters["job"])
    if filters.get("department"):
        qs = qs.filter(job__department__path__startswith=_department_path(filters["department"]))
    if filters.get("state"):
        qs = qs.filter(state__in=filters["state"])
    if filters.get("priority"):
        qs = qs.filter(job__priority=filters["priority"])
    if filters.get("source"):
        qs = qs.filter(source=filters["source"])
    if filters.get("min_score") is not None:
        qs = qs.filter(match_score__gte=filters["min_score"])
    if filters.get("max_score") is not None:
        qs = qs.filter(match_score__lte=filters["max_score"])
    if filters.get("tag"):
        qs = qs.filter(tags__name=filters["tag"])
    if filters.get("candidate"):
        qs = qs.filter(candidate_id=filters["candidate"])
    if filters.get("search"):
        qs = qs.filter(candidate_search_q(filters["search"], prefix="candidate__"))
    ordering = filters.get("ordering") or "-created_at"
    return qs.order_by(APPLICATION_ORDERINGS[ordering], "-id")


def _department_path(dept_id) -> str:
    path = Department.objects.filter(pk=dept_id).values_list("path", flat=True).first()
    return path or "/nonexistent/"


def application_get(*, user, pk) -> Application:
    return get_for_user_or_404(
        Application.objects.select_related("candidate", "job", "job__department", "reactivated_from")
        .prefetch_related("candidate__credentials", "tags", "transitions__actor"),
        user, pk=pk)


def candidate_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = Candidate.objects.for_user(user).defer("phone", "email", "id_number")
    if filters.get("search"):
        qs = qs.filter(candidate_search_q(filters["search"]))
    if filters.get("job"):
        qs = qs.filter(pk__in=Application.objects.filter(job_id=filters["job"]).values("candidate_id"))
    if filters.get("education"):
        qs = qs.filter(education=filters["education"])
    if filters.get("source"):
        qs = qs.filter(source=filters["source"])
    return qs.order_by("-created_at", "-id")


def candidate_get(*, user, pk) -> Candidate:
    return get_for_user_or_404(
        Candidate.objects.prefetch_related("credentials", "resumes", "applications__job__department"), user, pk=pk)


def candidate_timeline(candidate: Candidate) -> list[dict]:
    """Everything that happened to a candidate, oldest first: transitions of all their applications and
    audit events on the candidate, its applications, credentials and resumes (R-HOSP-2)."""
    app_ids = [str(pk) for pk in candidate.applications.values_list("pk", flat=True)]
    cred_ids = [str(pk) for pk in candidate.credentials.values_list("pk", flat=True)]
    resume_ids = [str(pk) for pk in candidate.resumes.values_list("pk", flat=True)]
    events = AuditEvent.objects.filter(
        Q(object_type="candidates.candidate", object_id=str(candidate.pk))
        | Q(object_type="candidates.application", object_id__in=app_ids)
        | Q(object_type="candidates.credential", object_id__in=cred_ids)
        | Q(object_type="candidates.resume", object_id__in=resume_ids)
    ).select_related("actor").order_by("at", "id")
    moves = {f"application.{name}" for name in TRANSITION_NAMES}  # shown from TransitionLog, with stages
    rows = [{
        "at": ev.at, "kind": "audit", "action": ev.action, "label": action_label(ev.action),
        "actor": str(ev.actor or actor_in_words(ev.actor_label)), "object": object_type_label(ev.object_type), "reason": ev.reason,
        "changes": ev.changes,
    } for ev in events if ev.action not in moves]
    for t in TransitionLog.objects.filter(application__candidate=candidate).select_related("application__job", "actor"):
        rows.append({
            "at": t.at, "kind": "transition", "action": t.transition, "label": transition_label(t.transition),
            "stages": (t.get_from_state_display(), t.get_to_state_display()),
            "actor": str(t.actor or actor_in_words(t.actor_label)), "object": t.application.job.title, "reason": t.reason,
            "changes": {"state": [t.from_state, t.to_state]},
        })
    rows.sort(key=lambda r: (r["at"], r["kind"] != "transition"))
    return rows


def credential_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = Credential.objects.for_user(user).select_related("candidate").defer(
        "candidate__phone", "candidate__email", "candidate__id_number")
    if filters.get("candidate"):
        qs = qs.filter(candidate_id=filters["candidate"])
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("expires_before"):
        qs = qs.filter(expires_on__lt=filters["expires_before"])
    return qs.order_by("expires_on", "id")


def credential_get(*, user, pk) -> Credential:
    return get_for_user_or_404(Credential.objects.select_related("candidate"), user, pk=pk)


def resume_get(*, user, pk) -> Resume:
    return get_for_user_or_404(Resume.objects.select_related("candidate"), user, pk=pk)


def talent_pool_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = (TalentPoolEntry.objects.for_user(user)
          .select_related("candidate", "application__job", "application__job__department")
          .defer(*ENCRYPTED_CANDIDATE_FIELDS).prefetch_related("tags"))
    if not filters.get("include_reactivated"):
        qs = qs.filter(reactivated_at__isnull=True)
    if filters.get("tag"):
        qs = qs.filter(tags__name=filters["tag"])
    if filters.get("search"):
        qs = qs.filter(candidate_search_q(filters["search"], prefix="candidate__"))
    return qs.order_by("-added_at", "-id")


def hr_for_department(department) -> list:
    """HR staff of the department or a department above it, else the HR directors."""
    ancestors = [int(p) for p in department.path.strip("/").split("/") if p]
    staff = list(User.objects.filter(role=Role.HR_STAFF, is_active=True, departments__in=ancestors)
                 .distinct().order_by("pk"))
    return staff or list(User.objects.filter(role=Role.HR_DIRECTOR, is_active=True).order_by("pk"))


def responsible_hr(application) -> list:
    """Who answers for this application: its creator when HR, else HR of the job's department."""
    creator = application.created_by
    if creator is not None and creator.is_active and creator.role in (Role.HR_STAFF, Role.HR_DIRECTOR):
        return [creator]
    return hr_for_department(application.job.department)


def assessment_dimension_labels(*, user) -> dict[str, str]:
    """Dimension key -> the label HR gave it on the jobs ``user`` sees (the first one found): what people read
    wherever a dimension is named (AI insights, the attrition factors). ``user=None``: every job's, for the
    question bank, which all jobs share (labels are configuration, not anyone's data)."""
    jobs = JobRequisition.objects.all() if user is None else JobRequisition.objects.for_user(user)
    labels: dict[str, str] = {}
    for dims in jobs.exclude(assessment_dimensions=[]).values_list("assessment_dimensions", flat=True):
        for d in dims or []:
            if isinstance(d, dict) and d.get("key") and d.get("label"):
                labels.setdefault(d["key"], str(d["label"]))
    return labels


# -- the candidates' messages (the outbox asks through notifications.recipients) -----------------------------

#: The recipient type messages to candidates carry.
CANDIDATE_RECIPIENT = "candidates.candidate"
#: At most this many matching candidates are looked at by one search of the outbox ("王" matches many).
SEARCH_CANDIDATE_CAP = 500


def _visible_candidate_ids(user, q) -> list[str]:
    return [str(pk) for pk in Candidate.objects.for_user(user).filter(q).order_by("-pk")
            .values_list("pk", flat=True)[:SEARCH_CANDIDATE_CAP]]


def outbox_candidates_found(user, term: str) -> list[str]:
    """The candidates the viewer may see whose name contains ``term``, or whose phone / e-mail / ID number is
    exactly ``term`` (through the blind indexes): the outbox searched by the person (R-UI-2, R-SEC-1)."""
    return _visible_candidate_ids(user, candidate_search_q(term))


def outbox_candidates_visible(user, ids) -> dict[str, str]:
    """Those of ``ids`` (strings) the viewer may see, with their names; anything not a candidate id is ignored."""
    pks = [int(i) for i in ids if str(i).isdigit()]
    if not pks:
        return {}
    return {str(pk): name for pk, name in Candidate.objects.for_user(user).filter(pk__in=pks)
            .values_list("pk", "name")}


def candidate_messages_url(candidate_id) -> str:
    """The outbox narrowed to one candidate (scoped there too: nothing for a candidate outside the scope)."""
    return f"{reverse('admin:notifications_notification_changelist')}?candidate={candidate_id}"


def candidate_messages_context(user, candidate_id) -> dict:
    """The latest 10 messages to the candidate, each linking to its page, and the link to all of them: the
    messages part of the application page and of the admin's application page (R-UI-2)."""
    rows = [{"channel": n.get_channel_display(), "label": template_label(n.template_key),
             "status": n.get_status_display(), "sent_at": n.sent_at, "created_at": n.created_at,
             "url": reverse("admin:notifications_notification_change", args=[n.pk])}
            for n in notification_selectors.recipient_messages(user=user, recipient_type=CANDIDATE_RECIPIENT,
                                                               recipient_id=candidate_id, limit=10)]
    return {"candidate_messages": rows, "candidate_messages_url": candidate_messages_url(candidate_id)}


#: Records whose access-log rows are about one candidate: the access report's "by person" (R-SEC-7).
CANDIDATE_RECORDS = {
    "candidates.candidate": ("pk", "name"),
    "candidates.resume": ("candidate_id", "candidate__name"),
    "candidates.application": ("candidate_id", "candidate__name"),
    "candidates.credential": ("candidate_id", "candidate__name"),
}


def candidate_people_of(object_type: str):
    """A resolver for ``hrsys.audit.people``: ids of ``object_type`` rows -> (the candidate's key, name), within
    the viewer's scope (a row outside it stays unnamed)."""
    model = {"candidates.candidate": Candidate, "candidates.resume": Resume, "candidates.application": Application,
             "candidates.credential": Credential}[object_type]
    candidate_field, name_field = CANDIDATE_RECORDS[object_type]

    def resolve(user, ids: list[str]) -> dict[str, tuple[str, str]]:
        pks = [int(i) for i in ids if str(i).isdigit()]
        rows = model.objects.for_user(user).filter(pk__in=pks).values_list("pk", candidate_field, name_field)
        return {str(pk): (f"{CANDIDATE_RECIPIENT}:{cid}", name) for pk, cid, name in rows}

    return resolve
