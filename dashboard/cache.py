"""Cached dashboard figures, refreshed by a sweep (R-DASH-1 speed, issue 9 item 8).

The analytical figures read hundreds of thousands of rows (every AI result against every outcome, every
application's source and hire); HR does not need them to the second. Each figure is cached per viewer,
scope, filters and language for :func:`ttl_seconds`; the ``dashboard.warm_figures`` sweep recomputes the
unfiltered pages of people who opened the dashboards in the last week, so their next visit is instant.
The to-do list ("Today") is never cached: it is what HR acts on now.

The key holds the viewer's id and a digest of the departments they may see, so nobody is ever served
another person's figures and a change of scope is a cache miss (R-SEC-1).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from hrsys.accounts.models import User
from hrsys.accounts.scope import visible_department_ids

from .figures import FIGURES, PAGES, Figure
from .selectors import Filters

LIVE = frozenset({"todo"})
VIEWER_DAYS = 7


def ttl_seconds() -> int:
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 900))


def _key(name: str, user, filters: Filters) -> str:
    ids = visible_department_ids(user)
    scope = "all" if ids is None else ",".join(map(str, sorted(ids)))
    raw = f"{name}|{user.pk}|{scope}|{filters.querystring()}|{translation.get_language()}"
    return "dashboard:figure:" + hashlib.sha256(raw.encode()).hexdigest()


def figure_for(name: str, user, filters: Filters, *, refresh: bool = False) -> Figure:
    """The figure, from the cache when fresh enough; ``refresh`` recomputes it now."""
    if name in LIVE or ttl_seconds() <= 0:
        return FIGURES[name](user, filters)
    key = _key(name, user, filters)
    if not refresh:
        hit = cache.get(key)
        if hit is not None:
            return hit
    figure = FIGURES[name](user, filters)
    figure.computed_at = timezone.now()
    cache.set(key, figure, ttl_seconds())
    return figure


def note_viewer(user) -> None:
    """Remember that ``user`` looks at dashboards (and in which language) so the sweep keeps theirs warm."""
    cache.set(f"dashboard:viewer:{user.pk}", translation.get_language() or settings.LANGUAGE_CODE,
              VIEWER_DAYS * 86400)


def warm_figures(*, max_viewers: int | None = None) -> dict:
    """Recompute the unfiltered figures of every recent viewer who may still see the dashboards."""
    limit = max_viewers if max_viewers is not None else int(getattr(settings, "DASHBOARD_WARM_VIEWERS", 20))
    staff = list(User.objects.filter(is_active=True, is_staff=True).order_by("-last_login", "pk"))
    languages = cache.get_many([f"dashboard:viewer:{u.pk}" for u in staff])
    warmed = figures = 0
    for user in staff:
        language = languages.get(f"dashboard:viewer:{user.pk}")
        if language is None or not user.has_perm("dashboard.view_dashboard"):
            continue
        if warmed >= limit:
            break
        with translation.override(language):
            for _page, (_title, names) in PAGES.items():
                for name in names:
                    figure_for(name, user, Filters(), refresh=True)
                    figures += 1
        warmed += 1
    return {"viewers": warmed, "figures": figures}
