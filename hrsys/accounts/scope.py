"""The one data-scope mechanism (R-SEC-1).

A model holding people's data declares only *where it belongs*: one path to the
application or to the department it hangs off, and whether it is interview data::

    class AIInterviewResult(models.Model):
        scope_path = "application"        # a path to a candidates.Application or an accounts.Department
        scope_interviewers = True         # interview data: the application's interviewers see it too
        objects = ScopedQuerySet.as_manager()

    class OfferApproval(models.Model):
        scope_path = "offer__application"
        scope_owner = "approver"          # optional: the user this row is addressed to sees it as well

The role rules live here and nowhere else; no model can state a rule of its own:

* HR director, system administrator, superuser: everything;
* HR staff and managers: their departments and every department below them (an application
  belongs to its job's department);
* interviewers (and anyone else): the applications of the interviews actually assigned to them,
  and only for interview data (``scope_interviewers``) -- never offers, onboarding, messages;
* anyone: rows addressed to them (``scope_owner``);
* anonymous or inactive users: nothing.

Every reader -- admin, API, dashboards, exports, pages -- goes through
``Model.objects.for_user(user)``; single objects through ``get_for_user_or_404``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Length, Substr
from django.http import Http404

_DEPARTMENTS_ATTR = "_hrsys_visible_department_ids"
_NOT_RESOLVED = frozenset({-1})  # a marker: the user's departments were not read yet in this request

DEPARTMENT = "accounts.department"
APPLICATION = "candidates.application"


def visible_department_ids(user) -> frozenset[int] | None:
    """Department ids the user may see; ``None`` means all of them."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.sees_everything:
        return None
    cached = getattr(user, _DEPARTMENTS_ATTR, None)
    if cached is not None:
        return cached
    departments = _visible_departments(user)
    ids = frozenset() if departments is None else frozenset(departments.values_list("pk", flat=True))
    setattr(user, _DEPARTMENTS_ATTR, ids)
    return ids


def _visible_departments(user):
    """The departments an HR staff member or a manager sees, as a query not yet run (``None`` for other
    roles, who see none): those whose path starts with the path of one of the user's own departments."""
    from .models import Department, Role  # noqa: PLC0415 - models import this module
    if user.role not in (Role.HR_STAFF, Role.MANAGER):
        return None
    own_above = user.departments.filter(path=Substr(OuterRef("path"), 1, Length("path")))
    return Department.objects.filter(Exists(own_above))


def _visible_application_anchors(user, department_ids: frozenset[int], interviewers: bool) -> tuple[list, list]:
    """The jobs of the visible departments and, for interview data, the applications of the interviews
    assigned to the user: two lists read in one query, afresh for every queryset (jobs and assignments
    change at any time). The scope is then ``job_id IN (...) OR id IN (...)`` of constants, which the
    job_id and primary key indexes answer, where a join or a subquery in the OR made the database read
    every application to count or sort a page of them. When the departments are not known yet in this
    request, the same query finds them (a subquery): the application lists then need one query for scope."""
    job_model = apps.get_model("candidates", "JobRequisition")
    parts = []
    departments = department_ids
    if department_ids is _NOT_RESOLVED:
        departments = _visible_departments(user)
        departments = None if departments is None else departments.order_by().values("pk")
    elif not department_ids:
        departments = None
    if departments is not None:
        parts.append(job_model._base_manager.filter(department_id__in=departments)
                     .annotate(anchor=Value("job")).order_by().values_list("pk", "anchor"))
    if interviewers and user is not None and user.is_authenticated:
        interview_model = apps.get_model("interviews", "Interview")
        parts.append(interview_model._base_manager.filter(interviewers=user.pk, application_id__isnull=False)
                     .annotate(anchor=Value("application")).order_by()
                     .values_list("application_id", "anchor"))
    if not parts:
        return [], []
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    jobs, applications = [], []
    for pk, anchor in rows:
        (jobs if anchor == "job" else applications).append(pk)
    return jobs, applications


def forget_cached_scope(user) -> None:
    if hasattr(user, _DEPARTMENTS_ATTR):
        delattr(user, _DEPARTMENTS_ATTR)


@dataclass(frozen=True)
class _Anchor:
    """Where a scoped model's path ends: the anchor's label, the path, and whether it crosses a to-many."""

    label: str
    path: str
    multivalued: bool


_ANCHORS: dict[type, _Anchor] = {}


def _resolve(model) -> _Anchor:
    anchor = _ANCHORS.get(model)
    if anchor is not None:
        return anchor
    path = getattr(model, "scope_path", None)
    if path is None:
        raise TypeError(f"{model.__name__} declares no scope_path")
    target, multivalued = model, False
    for name in filter(None, path.split("__")):
        try:
            field = target._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise TypeError(f"{model.__name__}.scope_path {path!r}: no field {name!r} on {target.__name__}") from exc
        if not field.is_relation:
            raise TypeError(f"{model.__name__}.scope_path {path!r}: {name!r} is not a relation")
        multivalued = multivalued or field.many_to_many or field.one_to_many
        target = field.related_model
    label = target._meta.label_lower
    if label not in (DEPARTMENT, APPLICATION):
        raise TypeError(f"{model.__name__}.scope_path {path!r} ends at {target.__name__}, "
                        "not at an application or a department")
    if getattr(model, "scope_interviewers", False) and label != APPLICATION:
        raise TypeError(f"{model.__name__}: scope_interviewers needs a scope_path to an application")
    owner = getattr(model, "scope_owner", None)
    if owner is not None:
        multivalued = multivalued or any(
            f.many_to_many or f.one_to_many for f in _fields_along(model, owner))
    anchor = _Anchor(label=label, path=path, multivalued=multivalued)
    _ANCHORS[model] = anchor
    return anchor


def _fields_along(model, path):
    target = model
    for name in path.split("__"):
        if name == "pk":
            return
        field = target._meta.get_field(name)
        yield field
        target = field.related_model


def _at(path: str, lookup: str) -> str:
    return f"{path}__{lookup}" if path else lookup


def scope_filter(model, user) -> Q | None:
    """The Q that limits ``model`` to what ``user`` may see (``None``: no limit)."""
    anchor = _resolve(model)
    if anchor.label == APPLICATION and user is not None and user.is_authenticated and user.is_active \
            and not user.sees_everything:
        ids = getattr(user, _DEPARTMENTS_ATTR, None)
        if ids is None:
            ids = _NOT_RESOLVED  # not read yet in this request: read with the jobs, in the same query
    else:
        ids = visible_department_ids(user)
    if ids is None:
        return None
    q = Q(pk__in=[])
    if not (user is not None and user.is_authenticated and user.is_active):
        return q
    if anchor.label == DEPARTMENT:
        if ids:
            q |= Q(**{_at(anchor.path, "pk__in"): ids})
    else:
        job_ids, assigned_ids = _visible_application_anchors(user, ids, getattr(model, "scope_interviewers", False))
        if job_ids:
            q |= Q(**{_at(anchor.path, "job_id__in"): job_ids})
        if assigned_ids:
            q |= Q(**{_at(anchor.path, "pk__in"): assigned_ids})
    owner = getattr(model, "scope_owner", None)
    if owner:
        q |= Q(**{owner: user.pk})
    return q


def scope_is_multivalued(model) -> bool:
    return _resolve(model).multivalued


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        q = scope_filter(self.model, user)
        if q is None:
            return self
        if scope_is_multivalued(self.model):
            # The scope path crosses a to-many relation: filter by a subquery so
            # rows are neither duplicated nor in need of DISTINCT.
            return self.filter(pk__in=self.model._base_manager.filter(q).values("pk"))
        return self.filter(q)


def get_for_user_or_404(queryset_or_model, user, **lookup):
    """Fetch one object within the user's scope; outside it, 404 (never 403: no existence leak)."""
    qs = queryset_or_model if isinstance(queryset_or_model, models.QuerySet) else queryset_or_model.objects.all()
    try:
        return qs.for_user(user).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404


def scoped_models():
    """Every installed model that declares a scope (for the scope tests and checks)."""
    return [m for m in apps.get_models() if getattr(m, "scope_path", None) is not None]
