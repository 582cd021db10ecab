import sys

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, DataError, IntegrityError, ProgrammingError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.api.errors import error_body
from hrsys.crypto.storage import StorageUnavailable

from . import navigation
from .health import broker_state, health_figures, queue_depth
from .models import TaskProbe, TickRun
from .services import task_probe_request


@never_cache
def healthz(request):
    """Database and broker state, 200 when both answer and 503 otherwise; the last beat tick, the tasks waiting
    in the broker and the figures apps register (the oldest due message's wait): what the README's operations
    section says to watch."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        database = f"error: {exc.__class__.__name__}"
    broker = broker_state()
    healthy = database == "ok" and broker == "ok"
    last_tick = TickRun.objects.filter(source="beat").values_list("started_at", flat=True).first() if database == "ok" else None
    try:
        depth = queue_depth() if broker == "ok" else None
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        depth = f"error: {exc.__class__.__name__}"
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "broker": broker,
         "last_beat_tick": last_tick.isoformat() if last_tick else None, "queue_depth": depth,
         **(health_figures() if database == "ok" else {})},
        status=200 if healthy else 503,
    )


def home(request):
    """The site's front page: signed-in staff go on to their start page, everyone else sees the links."""
    if request.user.is_authenticated and request.user.is_staff:
        return redirect(navigation.start_url(request.user))
    return render(request, "home.html")


@never_cache
@login_required
def start(request):
    """The page after login (``LOGIN_REDIRECT_URL``), by role: HR staff and the HR director on Today, a hiring
    manager on the approvals waiting for them, an interviewer on their interviews, the system administrator
    on the admin index (R-UI-1)."""
    return redirect(navigation.start_url(request.user))


def admin_login(request):
    """The admin's login form, whose ``next`` defaults to the start page instead of the admin index; an explicit
    ``?next=`` still wins (R-UI-1). Signed-in staff opening it without ``next`` go to their start page."""
    if REDIRECT_FIELD_NAME in request.GET or REDIRECT_FIELD_NAME in request.POST:
        return admin.site.login(request)
    if request.method == "GET" and admin.site.has_permission(request):
        return redirect(navigation.start_url(request.user))
    return admin.site.login(request, extra_context={REDIRECT_FIELD_NAME: reverse("start")})


def server_error(request):
    """``handler500``. The database unreachable (a restart, a fail-over): 503 with ``Retry-After``, the API's error
    format under ``/api/`` and elsewhere a page that reads nothing from the database (R-SEC-8). Anything else:
    the API's error format under ``/api/``, Django's page elsewhere."""
    failure = sys.exc_info()[1]
    database_away = isinstance(failure, DatabaseError) and not isinstance(
        failure, DataError | IntegrityError | ProgrammingError)
    if database_away or isinstance(failure, StorageUnavailable):
        retry_after = str(settings.SERVICE_RETRY_AFTER_SECONDS)
        if database_away:
            code, message = "service_unavailable", _(
                "The database cannot be reached at the moment; nothing was saved. Try again shortly.")
        else:  # a file could not be written (disk full, media folder unwritable): the form was not saved
            code, message = "storage_unavailable", str(failure)
        if request.path.startswith("/api/"):
            response = JsonResponse(error_body(code, message), status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {
                "retry_after": retry_after, "reason": "" if database_away else message}, request=request), status=503)
        response["Retry-After"] = retry_after
        return response
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", _("Something went wrong on our side; it has been logged.")),
                            status=500)
    return defaults.server_error(request)


def permission_denied(request, exception=None):
    """``handler403``: under ``/api/`` the API's one error format; elsewhere ``templates/403.html``, a styled page
    with the header and a link back to the user's start page, never a bare 403 (R-UI-1)."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("permission_denied", str(exceptions.PermissionDenied.default_detail)),
                            status=403)
    return defaults.permission_denied(request, exception)


ProbeSerializer = inline_serializer(
    "TaskProbe",
    {"id": serializers.IntegerField(), "requested_at": serializers.DateTimeField(),
     "executed_at": serializers.DateTimeField(allow_null=True), "worker": serializers.CharField()},
)


def _probe_data(probe):
    return {"id": probe.pk, "requested_at": probe.requested_at, "executed_at": probe.executed_at,
            "worker": probe.worker}


class TaskProbeCreateApi(APIView):
    """Enqueue a no-op task; GET the probe to see when a worker executed it."""

    @extend_schema(request=None, responses={201: ProbeSerializer})
    def post(self, request):
        return Response(_probe_data(task_probe_request()), status=status.HTTP_201_CREATED)


class TaskProbeDetailApi(APIView):
    @extend_schema(responses=ProbeSerializer)
    def get(self, request, pk: int):
        return Response(_probe_data(get_object_or_404(TaskProbe, pk=pk)))
