from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.api.errors import error_body
from hrsys.api.pagination import Pagination
from hrsys.api.schema import CSV, XLSX, binary, errors, paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.exports import export_response

from . import selectors, throttle, twofactor
from .models import Role


class TokenObtainApi(APIView):
    """Exchange username and password for an API token (R-INT-1); users with two-factor sign-in add ``otp``
    (R-SEC-9, ``hrsys.accounts.twofactor``). Failures are throttled per account and client address, and per
    account (R-SEC-1, ``hrsys.accounts.throttle``): a locked-out try answers 429 with Retry-After."""

    permission_classes = [AllowAny]
    authentication_classes = []

    class InputSerializer(StrictSerializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        otp = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                    help_text="The 6-digit code from the authenticator app, or a recovery code: "
                                              "required for users with two-factor sign-in (R-SEC-9).")

    @extend_schema(
        request=InputSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()}), **errors(429)},
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        # The throttle backend refuses a locked-out try before the password is checked, and flags the request.
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if getattr(request, "axes_locked_out", False):
            return throttle.lockout_response(request, credentials={"username": username}, as_json=True)
        if user is None:
            return Response(
                error_body("invalid_credentials", _("Wrong username or password.")),
                status=status.HTTP_400_BAD_REQUEST,
            )
        otp_error = twofactor.token_code_error(user=user, code=data.validated_data.get("otp", ""))
        if otp_error:
            raise serializers.ValidationError({"otp": [otp_error]})
        throttle.login_succeeded(request, username=username)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class DepartmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()


class StaffOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField()
    departments = DepartmentOutputSerializer(many=True)


class StaffDetailOutputSerializer(StaffOutputSerializer):
    phone = serializers.CharField()


class MeApi(APIView):
    @extend_schema(responses=StaffDetailOutputSerializer)
    def get(self, request):
        return Response(StaffDetailOutputSerializer(request.user).data)


class StaffFilterSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    department = serializers.IntegerField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)
    format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False)


class StaffListApi(APIView):
    """The staff directory, limited to the viewer's departments (R-SEC-1)."""

    @extend_schema(parameters=[StaffFilterSerializer], responses=paginated(StaffOutputSerializer))
    def get(self, request):
        filters = StaffFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.staff_list(user=request.user, filters=filters.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(StaffOutputSerializer(page, many=True).data)


class StaffDetailApi(APIView):
    @extend_schema(responses=StaffDetailOutputSerializer)
    def get(self, request, pk: int):
        staff = selectors.staff_get(user=request.user, pk=pk)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=staff, detail="api detail", channel="api")
        return Response(StaffDetailOutputSerializer(staff).data)


class StaffExportApi(APIView):
    @extend_schema(parameters=[StaffFilterSerializer], responses=binary(CSV, XLSX))
    def get(self, request):
        filters = StaffFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        fmt = filters.validated_data.pop("format", "csv")
        qs = selectors.staff_list(user=request.user, filters=filters.validated_data)
        return export_response(
            actor=request.user, rows=qs, fmt=fmt, basename="staff", object_type="accounts.user",
            detail=str(filters.validated_data), channel="api",
            columns=[
                (_("username"), lambda u: u.username),
                (_("full name"), lambda u: u.full_name),
                (_("role"), lambda u: u.get_role_display()),
                (_("departments"), lambda u: ", ".join(d.name for d in u.departments.all())),
            ],
        )
