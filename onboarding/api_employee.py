"""Onboarding cases, checklist items and employee files over the API (R-INT-1, R-ONB-1, R-ONB-2, R-ATT-5),
scoped like the admin; every read of an employee file is logged (R-SEC-3). Thin: selectors read, services
write."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.pagination import Pagination
from hrsys.api.schema import paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.actors import require_perm

from . import selectors_employee, services_employee
from .models import AttritionReason, CaseState, ChecklistItem, Employee, EmployeeState, OnboardingCase


class ChecklistItemOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "category", "title", "owner_role", "owner", "due_date", "done_at", "done_by", "note"]


class CaseOutputSerializer(serializers.ModelSerializer):
    candidate_name = serializers.CharField(source="candidate.name")
    job = serializers.CharField(source="application.job.title")
    department_name = serializers.CharField(source="department.name")
    items_total = serializers.IntegerField()
    items_done = serializers.IntegerField()

    class Meta:
        model = OnboardingCase
        fields = ["id", "offer", "application", "candidate", "candidate_name", "job", "department",
                  "department_name", "start_date", "state", "items_total", "items_done", "created_at",
                  "completed_at", "cancel_reason"]


class CaseDetailOutputSerializer(CaseOutputSerializer):
    items = ChecklistItemOutputSerializer(many=True)

    class Meta(CaseOutputSerializer.Meta):
        fields = [*CaseOutputSerializer.Meta.fields, "items"]


class CaseListApi(APIView):
    class FilterSerializer(StrictSerializer):
        state = serializers.ChoiceField(choices=CaseState.choices, required=False)
        page = serializers.IntegerField(required=False)
        page_size = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=paginated(CaseOutputSerializer))
    def get(self, request):
        require_perm(request.user, "onboarding.view_onboardingcase")
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors_employee.onboarding_case_list(user=request.user, filters=filters.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CaseOutputSerializer(page, many=True).data)


def _case(request, pk, *, detail: str):
    """The case as the response shows it, its reading logged like any view of a person's file (R-SEC-3)."""
    qs = selectors_employee.onboarding_case_list(user=request.user).prefetch_related("items")
    case = get_for_user_or_404(qs, request.user, pk=pk)
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=case, detail=detail, channel="api")
    return case


class CaseDetailApi(APIView):
    @extend_schema(responses=CaseDetailOutputSerializer)
    def get(self, request, pk: int):
        require_perm(request.user, "onboarding.view_onboardingcase")
        return Response(CaseDetailOutputSerializer(_case(request, pk, detail="api detail")).data)


class CaseRescheduleApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "OnboardingCaseRescheduleInput"

        start_date = serializers.DateField()

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer,
                   description="Move the start date: the checklist's due dates and the attendance account follow; "
                               "the candidate and HR are told. 409 once the new hire has started.")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services_employee.onboarding_case_reschedule(actor=request.user, case_id=pk,
                                                     start_date=data.validated_data["start_date"])
        return Response(CaseDetailOutputSerializer(_case(request, pk, detail="api reschedule response")).data)


class CaseCancelApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "OnboardingCaseCancelInput"

        reason = serializers.CharField(max_length=300)

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer,
                   description="The hire will not start: the case closes and the attendance account is revoked.")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services_employee.onboarding_case_cancel(actor=request.user, case_id=pk,
                                                 reason=data.validated_data["reason"])
        return Response(CaseDetailOutputSerializer(_case(request, pk, detail="api cancel response")).data)


class ChecklistItemCompleteApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "ChecklistItemCompleteInput"

        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=ChecklistItemOutputSerializer,
                   description="Tick an item: its owner always may, others need the permission and the case in "
                               "their scope. Ticking a done item again changes nothing.")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services_employee.checklist_item_complete(actor=request.user, item_id=pk,
                                                         note=data.validated_data["note"])
        return Response(ChecklistItemOutputSerializer(item).data)


class EmployeeOutputSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name")

    class Meta:
        model = Employee
        fields = ["id", "employee_no", "name", "department", "department_name", "job_title", "job_level",
                  "start_date", "probation_months", "state", "exit_date", "attrition_reason", "candidate",
                  "application", "offer", "case"]


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


class EmployeeListApi(APIView):
    class FilterSerializer(StrictSerializer):
        state = serializers.ChoiceField(choices=EmployeeState.choices, required=False)
        page = serializers.IntegerField(required=False)
        page_size = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=paginated(EmployeeOutputSerializer))
    def get(self, request):
        require_perm(request.user, "onboarding.view_employee")
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = Employee.objects.for_user(request.user).select_related("department").order_by("-start_date", "-pk")
        if filters.validated_data.get("state"):
            qs = qs.filter(state=filters.validated_data["state"])
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(EmployeeOutputSerializer(page, many=True).data)


def _employee_response(request, pk, *, detail: str):
    """The employee file as the response shows it (contact data, ID number, salary): every reading is logged,
    after an exit too (R-SEC-3)."""
    file = selectors_employee.employee_file(user=request.user, employee_id=pk)
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=file["employee"], detail=detail, channel="api")
    return Response(EmployeeDetailOutputSerializer(file["employee"], context=file).data)


class EmployeeDetailApi(APIView):
    @extend_schema(responses=EmployeeDetailOutputSerializer)
    def get(self, request, pk: int):
        require_perm(request.user, "onboarding.view_employee")
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
        services_employee.employee_exit(actor=request.user, employee_id=pk, last_day=v["last_day"],
                                        reason=v["reason"], note=v["note"])
        return _employee_response(request, pk, detail="api exit response")
