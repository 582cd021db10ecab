"""Who acts in a service: a staff user, or a machine named by a string ("vervoe", "hr_tick").

Staff users are checked for permission (and scope, by the caller); machine actors are trusted
callers inside the system (webhooks authenticate by signature before they get here).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404


def staff_user(actor):
    """The staff user behind ``actor``, or None for a machine actor (a string label)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def require_perm(actor, perm: str) -> None:
    user = staff_user(actor)
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied(perm)


def require_visible(model, actor, pk) -> None:
    """404 unless the row exists and, for a staff actor, lies within their data scope (never 403:
    no existence leak). Machine actors see every existing row."""

    user = staff_user(actor)
    qs = model.objects.for_user(user) if user is not None else model._default_manager.all()
    if not qs.filter(pk=pk).exists():
        raise Http404
