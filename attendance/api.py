"""Attendance API: the device-facing endpoints (per-device token or HMAC, never a staff login) and the staff
endpoints (scoped) (R-ATT-1..4, R-SEC-1)."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from employees.api import EmployeeOutputSerializer
from employees.models import AttritionReason
from employees.services import employee_exit
from hrsys.api.pagination import Pagination
from hrsys.api.schema import CSV, XLSX, binary, errors, paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.actors import require_perm
from hrsys.core.exports import export_response

from . import selectors, services
from .devices import authenticate_device
from .models import AttendanceAccount
from .provisioning import account_payload


class DeviceApi(APIView):
    """Machine endpoints: the device authenticates itself in the view (the raw body is signed)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        return 'Device realm="attendance"'  # failed device credentials answer 401, not 403


class PunchObjectField(serializers.DictField):
    """A punch must be an object; its fields are checked by ``punches_ingest``, which reports each bad punch
    with its reason instead of refusing the batch, so DictField's run over every value is skipped (a fifth of a
    1,000-punch upload)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_a_dict", input_type=type(data).__name__)
        return data


class PunchListField(serializers.ListField):
    """A list of ``PunchObjectField``: a batch of objects is taken as it is in one pass; only a batch holding
    something else goes through DRF's run over every item (a few ms per 1,000), which names each bad item."""

    def run_child_validation(self, data):
        if all(type(item) is dict for item in data):
            return list(data)
        return super().run_child_validation(data)


class PunchBatchApi(DeviceApi):
    class PunchSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendancePunchBatchApiPunch"

        sequence = serializers.CharField(max_length=40)
        clock_id = serializers.CharField(max_length=40)
        time = serializers.CharField(max_length=64, help_text="ISO 8601 (naive = Asia/Shanghai) or unix seconds")
        direction = serializers.ChoiceField(choices=["in", "out", ""], required=False)

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendancePunchBatchApiInput"

        punches = PunchListField(child=PunchObjectField(), allow_empty=False)

    @extend_schema(request=InputSerializer, responses={200: dict, **errors(401)},
                   description="A batch of punches (at most ATTENDANCE_MAX_BATCH, default 1000). Idempotent on "
                               "(device, sequence); every punch is reported accepted, duplicate or rejected.")
    def post(self, request):
        device = authenticate_device(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        punches = data.validated_data["punches"]
        limit = int(getattr(settings, "ATTENDANCE_MAX_BATCH", 1000))
        if len(punches) > limit:
            raise ValidationError({"punches": [_("At most %(n)s punches per batch.") % {"n": limit}]})
        report = services.punches_ingest(device=device, punches=punches)
        return Response(report, status=status.HTTP_200_OK)


class DeviceAccountsApi(DeviceApi):
    """Pull provisioning: accounts changed since the cursor (R-ATT-1)."""

    @extend_schema(parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
                   responses={200: dict, **errors(401)})
    def get(self, request):
        device = authenticate_device(request)
        try:
            limit = max(1, min(int(request.query_params.get("limit", 500)), 1000))
            rows, cursor = selectors.accounts_changed_for_device(device=device,
                                                                 cursor=request.query_params.get("cursor", ""),
                                                                 limit=limit)
        except ValueError:
            raise ValidationError({"cursor": [_("Not a cursor returned by this endpoint.")]})
        accounts = [account_payload(a, "upsert" if a.state == "active" else "delete") for a in rows]
        return Response({"accounts": accounts, "cursor": cursor, "more": len(rows) == limit})


class AccountOutputSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name")

    class Meta:
        model = AttendanceAccount
        fields = ["id", "offer", "application", "department", "department_name", "holder_name", "clock_id",
                  "door_groups", "state", "effective_date", "activated_at", "deactivated_at", "revoke_reason",
                  "no_show", "last_working_day"]


class AccountListApi(APIView):
    class FilterSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendanceAccountListApiFilter"

        state = serializers.CharField(required=False)
        department = serializers.IntegerField(required=False)
        page = serializers.IntegerField(required=False)
        page_size = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=paginated(AccountOutputSerializer))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.account_list(user=request.user, filters=filters.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AccountOutputSerializer(page, many=True).data)


class AccountRescheduleApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendanceAccountRescheduleApiInput"

        start_date = serializers.DateField()

    @extend_schema(request=InputSerializer, responses=AccountOutputSerializer)
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.attendance_account_reschedule(actor=request.user, account_id=pk,
                                                         start_date=data.validated_data["start_date"])
        return Response(AccountOutputSerializer(account).data)


class AccountRevokeApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendanceAccountRevokeApiInput"

        reason = serializers.CharField(max_length=300)

    @extend_schema(request=InputSerializer, responses=AccountOutputSerializer)
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.attendance_account_revoke(actor=request.user, account_id=pk,
                                                     reason=data.validated_data["reason"])
        return Response(AccountOutputSerializer(account).data)


class ShiftAssignApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendanceShiftAssignApiInput"

        account = serializers.IntegerField()
        template = serializers.IntegerField()
        start_date = serializers.DateField()
        end_date = serializers.DateField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: dict})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        assignment = services.shift_assign(actor=request.user, account_id=v["account"], template_id=v["template"],
                                           start_date=v["start_date"], end_date=v.get("end_date"))
        return Response({"id": assignment.pk, "account": assignment.account_id, "template": assignment.template_id,
                         "start_date": assignment.start_date, "end_date": assignment.end_date},
                        status=status.HTTP_201_CREATED)


class LeaveCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendanceLeaveCreateApiInput"

        account = serializers.IntegerField()
        type = serializers.CharField()
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        reason = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: dict})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        leave = services.leave_request_create(actor=request.user, account_id=v["account"], type=v["type"],
                                              start_date=v["start_date"], end_date=v["end_date"],
                                              reason=v.get("reason", ""))
        return Response({"id": leave.pk, "state": leave.state}, status=status.HTTP_201_CREATED)


class LeaveDecideApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendanceLeaveDecideApiInput"

        decision = serializers.ChoiceField(choices=["approve", "reject", "cancel"])
        comment = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={200: dict})
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        leave = services.leave_request_decide(actor=request.user, leave_id=pk, **data.validated_data)
        return Response({"id": leave.pk, "state": leave.state})


def _month(request):
    raw = request.query_params.get("month", "")
    try:
        return selectors.month_bounds(raw)[0]
    except (ValueError, TypeError):
        raise ValidationError({"month": [_("Give the month as YYYY-MM.")]})


class ProbationReportApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("month", str), OpenApiParameter("department", int)],
                   responses={200: dict})
    def get(self, request):
        month = _month(request)
        dept = request.query_params.get("department")
        rows = selectors.probation_report(user=request.user, month=month,
                                          department_id=int(dept) if dept and dept.isdigit() else None)
        return Response({"month": month.strftime("%Y-%m"), "thresholds": selectors.probation_thresholds(),
                         "results": rows})


class ProbationDecideApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AttendanceProbationDecideApiInput"

        decision = serializers.ChoiceField(choices=["pass", "extend", "fail"])
        comment = serializers.CharField(required=False, allow_blank=True)
        extend_months = serializers.IntegerField(required=False, min_value=1, max_value=3)

    @extend_schema(request=InputSerializer, responses={200: dict})
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.probation_decide(actor=request.user, review_id=pk, **data.validated_data)
        return Response({"id": review.pk, "decision": review.decision, "ends_on": review.ends_on})


REPORT_COLUMNS = [
    (_("clock-in id"), lambda r: r["clock_id"]), (_("name"), lambda r: r["name"]),
    (_("department"), lambda r: r["department"]), (_("month"), lambda r: r["month"]),
    (_("present days"), lambda r: r["present_days"]), (_("late arrivals"), lambda r: r["late"]),
    (_("late minutes"), lambda r: r["late_minutes"]), (_("early leaves"), lambda r: r["early_leaves"]),
    (_("absences"), lambda r: r["absences"]), (_("leave days"), lambda r: r["leave_days"]),
    (_("missing punches"), lambda r: r["missing_punches"]), (_("overtime minutes"), lambda r: r["overtime_minutes"]),
]


class MonthlyReportApi(APIView):
    """The monthly attendance report of the viewer's departments; ``?format=xlsx|csv`` exports it (logged)."""

    @extend_schema(parameters=[OpenApiParameter("month", str), OpenApiParameter("department", int),
                               OpenApiParameter("format", str, enum=["csv", "xlsx"],
                                                description="a file instead of JSON")],
                   responses={200: dict, **binary(CSV, XLSX)})
    def get(self, request):
        month = _month(request)
        dept = request.query_params.get("department")
        rows = selectors.monthly_attendance_report(user=request.user, month=month,
                                                   department_id=int(dept) if dept and dept.isdigit() else None)
        fmt = request.query_params.get("format")
        if fmt in ("xlsx", "csv"):
            return export_response(actor=request.user, rows=rows, columns=REPORT_COLUMNS, fmt=fmt,
                                   basename=f"attendance-{month:%Y-%m}", object_type="attendance.monthlyreport",
                                   detail=f"month {month:%Y-%m}", channel="api")
        return Response({"month": month.strftime("%Y-%m"), "results": rows})


class PunchImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={200: dict})
    def post(self, request, pk):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Attach the device's CSV export.")]})
        report = services.punches_import_csv(actor=request.user, device_id=pk, data=upload.read())
        return Response(report)


# -- the employee file as staff read it, with the clock-in account and the probation review (R-ONB-1, R-ATT-5) --
# Mounted under /api/v1/employees/ (the list is ``employees.api.EmployeeListApi``); every reading of a file is
# logged (R-SEC-3).

class EmployeeDetailOutputSerializer(EmployeeOutputSerializer):
    phone = serializers.CharField()
    email = serializers.CharField()
    id_number = serializers.CharField()
    monthly_salary = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)  # encrypted at rest
    attendance_account = serializers.SerializerMethodField()
    probation = serializers.SerializerMethodField()

    class Meta(EmployeeOutputSerializer.Meta):
        fields = [*EmployeeOutputSerializer.Meta.fields, "phone", "email", "id_number", "monthly_salary", "currency",
                  "exit_note", "ai_interview", "interview_feedback", "credentials", "attendance_account",
                  "probation"]

    def get_attendance_account(self, employee) -> dict | None:
        account = self.context.get("attendance_account")
        return None if account is None else {"id": account.pk, "clock_id": account.clock_id, "state": account.state,
                                             "effective_date": account.effective_date}

    def get_probation(self, employee) -> dict | None:
        review = self.context.get("probation")
        return None if review is None else {"id": review.pk, "ends_on": review.ends_on,
                                            "decision": review.decision or None}


def _employee_response(request, pk, *, detail: str):
    """The employee file as the response shows it (contact data, ID number, salary): every reading is logged,
    after an exit too (R-SEC-3)."""
    file = selectors.employee_file(user=request.user, employee_id=pk)
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=file["employee"], detail=detail, channel="api")
    return Response(EmployeeDetailOutputSerializer(file["employee"], context=file).data)


class EmployeeDetailApi(APIView):
    @extend_schema(responses=EmployeeDetailOutputSerializer)
    def get(self, request, pk: int):
        require_perm(request.user, "employees.view_employee")
        return _employee_response(request, pk, detail="api detail")


class EmployeeExitApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "EmployeeExitInput"

        last_day = serializers.DateField()
        reason = serializers.ChoiceField(choices=AttritionReason.choices)
        note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=EmployeeDetailOutputSerializer,
                   description="The employee leaves: last working day and reason recorded (AI interview data stays "
                               "linked for question-bank analysis); the attendance account closes after the last day.")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        employee_exit(actor=request.user, employee_id=pk, last_day=v["last_day"], reason=v["reason"],
                      note=v["note"])
        return _employee_response(request, pk, detail="api exit response")
