"""Departments over the configuration API (R-INT-4): ``/api/v1/departments/``; see ``hrsys.api.config``."""

from rest_framework import serializers

from hrsys.api.config import AllOptional, ConfigDetailApi, ConfigListApi
from hrsys.api.serializers import StrictSerializer

from . import services
from .models import Department


class DepartmentConfigOutputSerializer(serializers.ModelSerializer):
    parent_id = serializers.IntegerField(allow_null=True)
    organisation_id = serializers.IntegerField(source="organization_pk",
                                               help_text="the hospital or company at the top of this tree")

    class Meta:
        model = Department
        fields = ("id", "name", "code", "kind", "parent_id", "organisation_id", "path")


class DepartmentConfigInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    code = serializers.SlugField(max_length=40)
    kind = serializers.ChoiceField(choices=Department.Kind.choices, default=Department.Kind.DEPARTMENT)
    parent_id = serializers.IntegerField(allow_null=True, required=False,
                                         help_text="empty only for a hospital or company (kind organization)")


class DepartmentConfigUpdateSerializer(AllOptional, DepartmentConfigInputSerializer):
    pass


class DepartmentListApi(ConfigListApi):
    """The departments within the viewer's scope (a tree: ``parent_id``, ``path``); POST adds one."""

    model = Department
    output_serializer = DepartmentConfigOutputSerializer
    input_serializer = DepartmentConfigInputSerializer
    create_service = services.department_create


class DepartmentDetailApi(ConfigDetailApi):
    """One department; PATCH renames or moves it (with everything below it)."""

    model = Department
    output_serializer = DepartmentConfigOutputSerializer
    update_serializer = DepartmentConfigUpdateSerializer
    update_service = services.department_update
    id_argument = "department_id"
