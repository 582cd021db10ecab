from hrsys.accounts.scope import get_for_user_or_404

from .models import User


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
