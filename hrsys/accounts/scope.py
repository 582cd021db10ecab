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
``Model.objects.for_user(user)``; single objects through ``get_for_user_or_404``. The application scope is
read as lists of constants by a query of its own (what lists of a whole table need), or with
``for_user(user, inline=True)`` as subqueries of the reader's query (the same statements; for readers that
narrow the rows first by an index, such as one job's applications).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
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
    request, the same query finds them (a subquery): the application lists then need one query for scope.

    Plain SQL of a fixed shape (table and column names from the models): the ORM took longer to compile
    this union than the database to answer it, on every list request."""
    jobs, assigned = _anchor_statements(user, department_ids, interviewers)
    parts, params = [], []
    for anchor, statement in enumerate((jobs, assigned)):
        if statement is not None:
            parts.append(f"SELECT {statement[0]} AS pk, {anchor} AS anchor {statement[1]}")
            params.extend(statement[2])
    if not parts:
        return [], []
    jobs, applications = [], []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for pk, anchor in cursor.fetchall():
            (applications if anchor else jobs).append(pk)
    return jobs, applications


def _anchor_statements(user, department_ids, interviewers: bool):
    """The two statements behind the application scope, each ``(column, "FROM ... WHERE ...", params)`` or
    ``None``: the jobs of the visible departments (by their ids, or found from the user's own departments when
    those are not known yet in this request) and, for interview data, the applications of the interviews
    assigned to the user. Read as lists (``_visible_application_anchors``) or as subqueries (``inline``)."""
    from .models import Role  # noqa: PLC0415 - models import this module
    t = _anchor_tables()
    jobs = assigned = None
    if department_ids is _NOT_RESOLVED and user.role in (Role.HR_STAFF, Role.MANAGER):
        jobs = (f"j.{t.pk}", f"FROM {t.job} j JOIN {t.dept} d ON d.{t.pk} = j.{t.job_dept} "
                f"WHERE EXISTS (SELECT 1 FROM {t.user_depts} ud JOIN {t.dept} o ON o.{t.pk} = ud.{t.ud_dept} "
                f"WHERE ud.{t.ud_user} = %s AND SUBSTR(d.{t.path}, 1, LENGTH(o.{t.path})) = o.{t.path})", [user.pk])
    elif department_ids and department_ids is not _NOT_RESOLVED:
        ids = sorted(department_ids)
        jobs = (f"j.{t.pk}", f"FROM {t.job} j WHERE j.{t.job_dept} IN ({', '.join(['%s'] * len(ids))})", ids)
    if interviewers and user is not None and user.is_authenticated:
        assigned = (f"i.{t.iv_app}", f"FROM {t.iv_users} iu JOIN {t.iv} i ON i.{t.pk} = iu.{t.iu_iv} "
                    f"WHERE iu.{t.iu_user} = %s AND i.{t.iv_app} IS NOT NULL", [user.pk])
    return jobs, assigned


@dataclass(frozen=True)
class _AnchorTables:
    job: str
    job_dept: str
    dept: str
    path: str
    user_depts: str
    ud_user: str
    ud_dept: str
    iv: str
    iv_app: str
    iv_users: str
    iu_iv: str
    iu_user: str
    pk: str = "id"


_ANCHOR_TABLES: list[_AnchorTables] = []


def _anchor_tables() -> _AnchorTables:
    if not _ANCHOR_TABLES:
        q = connection.ops.quote_name
        job = apps.get_model("candidates", "JobRequisition")
        dept = apps.get_model("accounts", "Department")
        departments = apps.get_model("accounts", "User")._meta.get_field("departments")
        interview = apps.get_model("interviews", "Interview")
        interviewers = interview._meta.get_field("interviewers")
        _ANCHOR_TABLES.append(_AnchorTables(
            job=q(job._meta.db_table), job_dept=q(job._meta.get_field("department").column),
            dept=q(dept._meta.db_table), path=q(dept._meta.get_field("path").column),
            user_depts=q(departments.m2m_db_table()), ud_user=q(departments.m2m_column_name()),
            ud_dept=q(departments.m2m_reverse_name()),
            iv=q(interview._meta.db_table), iv_app=q(interview._meta.get_field("application").column),
            iv_users=q(interviewers.m2m_db_table()), iu_iv=q(interviewers.m2m_column_name()),
            iu_user=q(interviewers.m2m_reverse_name())))
    return _ANCHOR_TABLES[0]


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


def scope_filter(model, user, *, inline: bool = False) -> Q | None:
    """The Q that limits ``model`` to what ``user`` may see (``None``: no limit). ``inline``: see
    ``ScopedQuerySet.for_user``."""
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
    elif inline:
        jobs, assigned = _anchor_statements(user, ids, getattr(model, "scope_interviewers", False))
        if jobs is not None:
            q |= Q(**{_at(anchor.path, "job_id__in"): RawSQL(f"SELECT {jobs[0]} {jobs[1]}", jobs[2])})
        if assigned is not None:
            q |= Q(**{_at(anchor.path, "pk__in"): RawSQL(f"SELECT {assigned[0]} {assigned[1]}", assigned[2])})
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
    def for_user(self, user, *, inline: bool = False):
        """The rows ``user`` may see. ``inline``: the application scope as subqueries of this query, not as
        lists read beforehand by a query of their own -- for a caller that narrows the rows first by an
        index (the applications of one job), where checking each of those rows against the subqueries costs
        less than the extra round trip; on a whole table the lists are what keeps counting and sorting a page
        from reading every row."""
        q = scope_filter(self.model, user, inline=inline)
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
