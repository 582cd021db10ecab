"""The one data-scope mechanism (R-SEC-1).

Every model holding people's data declares how it hangs off a department and,
optionally, which user it is assigned to::

    class Application(models.Model):
        scope_department_field = "job__department"
        scope_assignee_field = "interviews__interviewers"   # optional
        objects = ScopedQuerySet.as_manager()

and every reader -- admin, API, dashboards, exports -- goes through
``Model.objects.for_user(user)``. Rules:

* HR director, system administrator, superuser: everything;
* HR staff and managers: their departments and every department below them;
* anyone: items assigned to them (interviewers see the candidates they interview);
* anonymous or inactive users: nothing.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q
from django.http import Http404

_CACHE_ATTR = "_hrsys_visible_department_ids"


def visible_department_ids(user) -> frozenset[int] | None:
    """Department ids the user may see; ``None`` means all of them."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.sees_everything:
        return None
    from .models import Department, Role  # noqa: PLC0415 - models import this module
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    ids: frozenset[int] = frozenset()
    if user.role in (Role.HR_STAFF, Role.MANAGER):
        paths = list(user.departments.values_list("path", flat=True))
        if paths:
            subtree = reduce(or_, (Q(path__startswith=p) for p in paths))
            ids = frozenset(Department.objects.filter(subtree).values_list("pk", flat=True))
    setattr(user, _CACHE_ATTR, ids)
    return ids


def forget_cached_scope(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope_filter(model, user) -> Q | None:
    """The Q that limits ``model`` to what ``user`` may see (``None``: no limit)."""
    ids = visible_department_ids(user)
    if ids is None:
        return None
    dept_field = getattr(model, "scope_department_field", None)
    assignee_field = getattr(model, "scope_assignee_field", None)
    if dept_field is None and assignee_field is None:
        raise TypeError(f"{model.__name__} declares no scope_department_field / scope_assignee_field")
    q = Q(pk__in=[])
    if dept_field and ids:
        q |= Q(**{f"{dept_field}__in": ids})
    if assignee_field and user is not None and user.is_authenticated:
        q |= Q(**{assignee_field: user.pk})
    return q


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        q = scope_filter(self.model, user)
        if q is None:
            return self
        if getattr(self.model, "scope_multivalued", False):
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
