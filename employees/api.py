"""The employee files over the API (R-INT-1, R-ONB-1, R-ATT-5), scoped like the admin. Thin: selectors read,
services write.

One file's detail and the exit answer with the file as staff read it -- with the clock-in account and the
probation review -- so they live with attendance (``attendance/api.py``: ``EmployeeDetailApi``,
``EmployeeExitApi``), under the same ``/api/v1/employees/`` paths.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from hrsys.api.pagination import Pagination
from hrsys.api.schema import paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.core.actors import require_perm

from . import selectors
from .models import Employee, EmployeeState


class EmployeeOutputSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name")

    class Meta:
        model = Employee
        fields = ["id", "employee_no", "name", "department", "department_name", "job_title", "job_level",
                  "start_date", "probation_months", "state", "exit_date", "attrition_reason", "candidate",
                  "application", "offer", "case"]


class EmployeeListApi(APIView):
    class FilterSerializer(StrictSerializer):
        state = serializers.ChoiceField(choices=EmployeeState.choices, required=False)
        page = serializers.IntegerField(required=False)
        page_size = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=paginated(EmployeeOutputSerializer))
    def get(self, request):
        require_perm(request.user, "employees.view_employee")
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.employee_list(user=request.user, filters=filters.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(EmployeeOutputSerializer(page, many=True).data)
