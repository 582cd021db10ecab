from hrsys.accounts.scope import get_for_user_or_404

from .models import Role, User


def staff_list(*, user, filters: dict | None = None):
    """The staff directory within the viewer's scope (one query; departments prefetched)."""
    filters = filters or {}
    qs = User.objects.for_user(user).prefetch_related("departments").order_by("username")
    if filters.get("role"):
        qs = qs.filter(role=filters["role"])
    if filters.get("department"):
        qs = qs.filter(departments=filters["department"])
    return qs


def staff_get(*, user, pk) -> User:
    return get_for_user_or_404(User, user, pk=pk)


def department_managers(department) -> list:
    """Managers of the department, nearest level first (a ward falls back to its department's manager): the hiring
    manager of an offer, the owner of an onboarding task, who decides leave and probation."""
    for dept_id in reversed([int(p) for p in department.path.strip("/").split("/") if p]):
        managers = list(User.objects.filter(is_active=True, role=Role.MANAGER, departments__id=dept_id)
                        .order_by("pk"))
        if managers:
            return managers
    return []
