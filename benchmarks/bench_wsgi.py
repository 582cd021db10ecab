"""The WSGI application a benchmark serves with gunicorn (as the Procfile does): the project's URLs plus
``/bench/bare/``, a bare DRF endpoint (no authentication, no database) answering ``{"status": "accepted"}``:
the floor any API answer stands on, measured by the same server in the same run; and ``/bench/bare-insert/``,
the same plus one committed INSERT of the body: the floor of any endpoint that stores what it was sent.

    gunicorn --pythonpath benchmarks bench_wsgi:application

``BENCH_NO_BROKER=1`` keeps the AI webhook from enqueueing its task (measures the broker's share).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrsys.settings")
django.setup()

from django.conf import settings  # noqa: E402 - after django.setup()
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class BareApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes: list = []

    def post(self, request):
        return Response({"status": "accepted"}, status=202)


class BareInsertApi(BareApi):
    """The bare endpoint plus what storing anything durably costs: one INSERT of the raw body, committed (the
    table ``bench_bare_delivery``, made by the benchmark), no lookups, no validation, no hand-over."""

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_bare_delivery (body) VALUES (%s) RETURNING id",
                           [request.body.decode("utf-8", errors="replace")])
            cursor.fetchone()
        return Response({"status": "accepted"}, status=202)


urlpatterns = [path("bench/bare/", BareApi.as_view()), path("bench/bare-insert/", BareInsertApi.as_view()),
               path("", include("hrsys.urls"))]
settings.ROOT_URLCONF = __name__

if os.environ.get("BENCH_NO_BROKER") == "1":
    from interviews.ai import tasks

    tasks.enqueue = lambda name, obj_id: None

application = get_wsgi_application()
