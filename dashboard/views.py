"""HR dashboards (R-DASH-1..4): pages render figures from ``dashboard.figures``; exports stream the same
rows through ``hrsys.core.exports`` (scope-checked by construction, logged). Staff only."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.actors import require_perm
from hrsys.core.exports import FORMATS, export_response

from . import selectors
from .cache import figure_for, note_viewer
from .figures import FIGURES, PAGES
from .selectors import Filters

PERMISSION = "dashboard.view_dashboard"
#: Figures that name people (the to-do list, each new hire's attrition risk): viewing them is logged like
#: any view of candidate or employee data (R-SEC-3); the other pages show aggregates.
PERSONAL_FIGURES = {"todo", "risks", "feedback_rate"}  # feedback_rate: each interviewer's record (R-PIPE-7)
#: Pages without the job / department filter bar (``base_dash.html``): their jobs and departments are not read.
UNFILTERED_PAGES = {"home", "attrition"}


def _log_personal(request, names, filters):
    for name in names:
        if name in PERSONAL_FIGURES:
            access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=(f"dashboard.{name}", ""),
                       detail=filters.querystring(), channel="dashboard")



def _context(request, page, filters, figures):
    computed = [f.computed_at for f in figures if f.computed_at is not None]
    return {"page": page, "pages": [(key, spec[0]) for key, spec in PAGES.items()], "title": PAGES[page][0],
            "filters": filters, "figures": figures,
            "choices": {} if page in UNFILTERED_PAGES else selectors.filter_choices(user=request.user),
            "query": filters.querystring(), "now": timezone.localtime(min(computed) if computed else None),
            "cached": bool(computed)}


def _refresh(request) -> bool:
    return request.GET.get("refresh") == "1"


@login_required
def dashboard_home(request):
    """Today: the HR to-do list (R-DASH-1)."""
    require_perm(request.user, PERMISSION)
    filters = Filters.from_params(request.GET)
    todo = FIGURES["todo"](request.user, filters)
    _log_personal(request, ["todo"], filters)
    return render(request, "dashboard/home.html", {**_context(request, "home", filters, []), "todo": todo})


@login_required
def dashboard_page(request, page):
    require_perm(request.user, PERMISSION)
    if page not in PAGES or page == "home":
        raise Http404
    filters = Filters.from_params(request.GET)
    note_viewer(request.user)
    figures = [figure_for(name, request.user, filters, refresh=_refresh(request)) for name in PAGES[page][1]]
    _log_personal(request, PAGES[page][1], filters)
    return render(request, f"dashboard/{page}.html" if page in ("insights", "attrition") else "dashboard/page.html",
                  _context(request, page, filters, figures))


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return str(value)
    return value


@login_required
def dashboard_export(request, name):
    """CSV / Excel of one figure's table, rows from the viewer's scope only, logged (R-DASH-4, R-SEC-3)."""
    require_perm(request.user, PERMISSION)
    fmt = request.GET.get("format", "csv")
    if name not in FIGURES or fmt not in FORMATS:
        raise Http404
    filters = Filters.from_params(request.GET)
    figure = figure_for(name, request.user, filters)
    columns = [(str(header), lambda row, key=key: _plain(row.get(key))) for key, header, _kind in figure.columns]
    return export_response(actor=request.user, rows=figure.rows, columns=columns, fmt=fmt,
                           basename=f"dashboard-{name}", object_type=f"dashboard.{name}",
                           detail=filters.querystring(), channel="dashboard", count=len(figure.rows))
