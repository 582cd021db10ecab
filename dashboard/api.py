"""Dashboard API (R-INT-1, R-DASH-1..4): every figure as JSON, the same rows the pages and exports show,
within the viewer's scope and logged; recorded recruiting costs, listed and entered."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from candidates.models import SourceChannel
from hrsys.api.pagination import Pagination
from hrsys.api.schema import errors, paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.actors import require_perm
from interviews.ai.models import Question

from . import insights, services
from .cache import figure_for
from .figures import FIGURES, PAGES
from .models import CostRecord
from .selectors import Filters
from .views import PERMISSION

FILTER_PARAMETERS = [
    OpenApiParameter("department", int, description="a department in your scope (and those below it)"),
    OpenApiParameter("job", int), OpenApiParameter("from", str, description="YYYY-MM-DD"),
    OpenApiParameter("to", str, description="YYYY-MM-DD"),
    OpenApiParameter("period", str, enum=["month", "week"]),
    OpenApiParameter("refresh", str, enum=["1"], description="recompute now instead of the cached figure"),
]



class FigureListApi(APIView):
    """The figures there are, with the page each belongs to."""

    @extend_schema(operation_id="dashboard_figures_list", responses={200: dict})
    def get(self, request):
        require_perm(request.user, PERMISSION)
        page_of = {name: page for page, (_title, names) in PAGES.items() for name in names}
        page_of["todo"] = "home"
        return Response({"results": [{"name": name, "page": page_of.get(name, "")} for name in FIGURES]})


class FigureApi(APIView):
    """One figure: columns (key, header, kind) and rows, computed within your data scope; the view is logged."""

    @extend_schema(operation_id="dashboard_figure_retrieve", parameters=FILTER_PARAMETERS, responses={200: dict})
    def get(self, request, name):
        require_perm(request.user, PERMISSION)
        if name not in FIGURES:
            raise Http404
        filters = Filters.from_params(request.query_params)
        figure = figure_for(name, request.user, filters, refresh=request.query_params.get("refresh") == "1")
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=(f"dashboard.{name}", ""),
                   detail=filters.querystring(), channel="api")  # every figure by API: machines pull in bulk
        return Response({
            "name": figure.name, "title": figure.title, "note": figure.note, "computed_at": figure.computed_at,
            "filters": {"job": filters.job_id, "department": filters.department_id, "from": filters.date_from,
                        "to": filters.date_to, "period": filters.period},
            "columns": [{"key": key, "header": str(header), "kind": kind} for key, header, kind in figure.columns],
            "rows": [{key: row.get(key) for key, _header, _kind in figure.columns} for row in figure.rows],
        })


class CostRecordOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostRecord
        fields = ["id", "department", "job", "source", "kind", "month", "amount", "currency", "note", "created_by",
                  "created_at"]


class CostRecordApi(APIView):
    """Recorded recruiting costs of your departments (GET, paginated; ``?month=YYYY-MM``) and a new one (POST)."""

    class InputSerializer(StrictSerializer):
        job = serializers.IntegerField(required=False, help_text="a job in your scope; its department owns the cost")
        department = serializers.IntegerField(required=False)
        source = serializers.ChoiceField(choices=SourceChannel.choices, required=False, default="")
        kind = serializers.ChoiceField(choices=CostRecord.Kind.choices)
        month = serializers.DateField(help_text="any day of the month")
        amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
        currency = serializers.CharField(max_length=3, required=False, default="CNY")
        note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")],
                   responses=paginated(CostRecordOutputSerializer))
    def get(self, request):
        require_perm(request.user, PERMISSION)
        qs = CostRecord.objects.for_user(request.user).select_related("job", "department")
        month = request.query_params.get("month", "")
        if month:
            try:
                year, number = (int(part) for part in month.split("-"))
                qs = qs.filter(month__year=year, month__month=number)
            except ValueError:
                raise serializers.ValidationError({"month": ["YYYY-MM"]})
        paginator = Pagination()
        page = paginator.paginate_queryset(qs.order_by("-month", "-id"), request, view=self)
        return paginator.get_paginated_response(CostRecordOutputSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CostRecordOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        record = services.cost_record_create(
            actor=request.user, job_id=v.get("job"), department_id=v.get("department"), source=v["source"],
            kind=v["kind"], month=v["month"], amount=v["amount"], currency=v["currency"], note=v["note"])
        return Response(CostRecordOutputSerializer(record).data, status=status.HTTP_201_CREATED)


class QuestionStatsApi(APIView):
    """Usage and outcome statistics per bank question (R-AI-5): the AI question bank against hires and
    probation (``dashboard.insights.question_outcome_stats``), under the AI interviews' path and tag."""

    @extend_schema(responses={200: inline_serializer("AIQuestionStats", {"results": serializers.JSONField()}),
                              **errors(404)},
                   tags=["ai-interviews"])
    def get(self, request):
        if not (request.user.has_perm("candidates.change_jobrequisition")
                or request.user.has_perm("ai_interviews.view_question")):
            raise Http404
        return Response({"results": insights.question_outcome_stats(),
                         "questions": Question.objects.filter(active=True).count()})
