from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .health import broker_state
from .models import TaskProbe, TickRun
from .services import task_probe_request


@never_cache
def healthz(request):
    """Database and broker state; 200 when both answer, 503 otherwise."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        database = f"error: {exc.__class__.__name__}"
    broker = broker_state()
    healthy = database == "ok" and broker == "ok"
    last_tick = TickRun.objects.filter(source="beat").values_list("started_at", flat=True).first() if database == "ok" else None
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "broker": broker,
         "last_beat_tick": last_tick.isoformat() if last_tick else None},
        status=200 if healthy else 503,
    )


def home(request):
    return render(request, "home.html")


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
