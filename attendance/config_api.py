"""Attendance configuration over the API (R-INT-4): clock-in devices and their credentials, shift templates,
door access groups. Who and which rows: ``hrsys.api.config``. A device's credential (token, or HMAC secret) is
answered once, when it is issued (create, rotate), and never again: only its hash or its encrypted form is kept.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.api.config import (
    AllOptional,
    ConfigDetailApi,
    ConfigListApi,
    config_object_or_404,
    require_config_perm,
)
from hrsys.api.serializers import StrictSerializer

from . import services
from .models import (
    Device,
    DeviceAuth,
    DeviceKind,
    DoorAccessGroup,
    Provisioning,
    ShiftKind,
    ShiftTemplate,
    ZKTecoClock,
    ZKTecoTransport,
)

# -- devices ----------------------------------------------------------------------------------------------------

class ZKTecoOutputSerializer(serializers.ModelSerializer):
    """A ZKTeco clock's connection and pull health (R-CN-3); the communication key is never answered."""

    has_comm_key = serializers.SerializerMethodField()

    class Meta:
        model = ZKTecoClock
        fields = ("host", "port", "transport", "serial_number", "timezone", "has_comm_key", "cursor_at",
                  "next_pull_at", "last_pull_at", "last_success_at", "last_pull_status", "last_error", "failures",
                  "failing_since")

    def get_has_comm_key(self, obj) -> bool:
        return bool(obj.comm_key)


class ZKTecoInputSerializer(StrictSerializer):
    host = serializers.CharField(max_length=255, help_text="IP address or host name of the clock")
    port = serializers.IntegerField(min_value=1, max_value=65535, default=4370)
    comm_key = serializers.RegexField(r"^\d{0,6}$", required=False, allow_blank=True, write_only=True,
                                      help_text="the clock's Comm Key (0-999999); write-only: never answered; "
                                                "absent keeps it, empty clears it")
    transport = serializers.ChoiceField(choices=ZKTecoTransport.choices, default=ZKTecoTransport.TCP)
    serial_number = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                          help_text="when set, a clock answering with another one is refused")
    timezone = serializers.CharField(max_length=64, default="Asia/Shanghai",
                                     help_text="the time zone of the clock's local wall-clock time")


class DeviceOutputSerializer(serializers.ModelSerializer):
    department_id = serializers.IntegerField()
    zkteco = ZKTecoOutputSerializer(read_only=True, allow_null=True,
                                    help_text="connection settings of a ZKTeco clock (provisioning `zkteco`)")

    class Meta:
        model = Device
        fields = ("id", "name", "kind", "department_id", "location", "auth", "provisioning", "push_url", "active",
                  "last_seen_at", "created_at", "zkteco")


class DeviceCredentialOutputSerializer(DeviceOutputSerializer):
    credential = serializers.CharField(
        help_text="Shown once, in this answer only: store it in the device. A token device sends it as "
                  "`Authorization: Device <token>` (a webhook token device gets `<token> <signing secret>`); an "
                  "HMAC device signs with it. Only its hash (or its encrypted form) is kept.")

    class Meta(DeviceOutputSerializer.Meta):
        fields = (*DeviceOutputSerializer.Meta.fields, "credential")


class DeviceInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    department_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DeviceKind.choices, default=DeviceKind.CLOCK)
    auth = serializers.ChoiceField(choices=DeviceAuth.choices, default=DeviceAuth.TOKEN)
    provisioning = serializers.ChoiceField(choices=Provisioning.choices, default=Provisioning.PULL)
    push_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    zkteco = ZKTecoInputSerializer(required=False, help_text="a ZKTeco clock's connection (provisioning `zkteco`)")


class DeviceUpdateSerializer(AllOptional, StrictSerializer):
    """Everything but the authentication: a new credential comes from ``rotate-credential``."""

    name = serializers.CharField(max_length=120)
    department_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DeviceKind.choices)
    provisioning = serializers.ChoiceField(choices=Provisioning.choices)
    push_url = serializers.URLField(max_length=500, allow_blank=True)
    location = serializers.CharField(max_length=200, allow_blank=True)
    active = serializers.BooleanField(help_text="false switches the device off: its credential stops working")
    zkteco = ZKTecoInputSerializer(help_text="changes to a ZKTeco clock's connection (only the fields given)")


def _with_credential(result):
    device, credential = result
    return {**DeviceOutputSerializer(device).data, "credential": credential}


class DeviceListApi(ConfigListApi):
    """Clock-in devices and door controllers within the viewer's scope; POST adds one and answers its credential
    once."""

    model = Device
    output_serializer = DeviceOutputSerializer
    input_serializer = DeviceInputSerializer
    create_service = services.device_create
    created_serializer = DeviceCredentialOutputSerializer

    def created(self, result):
        return _with_credential(result)


class DeviceDetailApi(ConfigDetailApi):
    """One device (never its credential); PATCH changes it (``active: false`` deactivates it)."""

    model = Device
    output_serializer = DeviceOutputSerializer
    update_serializer = DeviceUpdateSerializer
    update_service = services.device_update
    id_argument = "device_id"


class DeviceDeactivateApi(APIView):
    @extend_schema(request=None, responses=DeviceOutputSerializer)
    def post(self, request, pk: int):
        """Switch the device off: its credential is refused from now on; its punches stay."""
        require_config_perm(request.user, Device, "change")
        config_object_or_404(Device, request.user, pk)
        return Response(DeviceOutputSerializer(services.device_deactivate(actor=request.user, device_id=pk)).data)


class DeviceCredentialRotateApi(APIView):
    @extend_schema(request=None, responses=DeviceCredentialOutputSerializer)
    def post(self, request, pk: int):
        """Issue a new credential, answered once; the old one stops working at once."""
        require_config_perm(request.user, Device, "change")
        device = config_object_or_404(Device, request.user, pk)
        credential = services.device_rotate_credentials(actor=request.user, device_id=pk)
        device.refresh_from_db()
        return Response(_with_credential((device, credential)), status=status.HTTP_200_OK)


# -- shift templates --------------------------------------------------------------------------------------------

class ShiftTemplateOutputSerializer(serializers.ModelSerializer):
    on_days = serializers.ListField(child=serializers.IntegerField())
    # wall-clock times of the day, no offset (JSON Schema's "time" format requires one): plain strings
    start_time = serializers.CharField(help_text="HH:MM:SS, local wall-clock time (Asia/Shanghai)")
    end_time = serializers.CharField(help_text="HH:MM:SS, local wall-clock time; at or before the start: the shift "
                                               "ends the next day")

    class Meta:
        model = ShiftTemplate
        fields = ("id", "name", "kind", "start_time", "end_time", "grace_minutes", "early_leave_grace_minutes",
                  "overtime_after_minutes", "follows_public_calendar", "cycle_days", "on_days", "is_default")


class ShiftTemplateInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=ShiftKind.choices, default=ShiftKind.DAY)
    start_time = serializers.TimeField(help_text="local time (Asia/Shanghai)")
    end_time = serializers.TimeField(help_text="local time; at or before the start: the shift ends the next day")
    grace_minutes = serializers.IntegerField(min_value=0, max_value=32767, default=5)
    early_leave_grace_minutes = serializers.IntegerField(min_value=0, max_value=32767, default=0)
    overtime_after_minutes = serializers.IntegerField(min_value=0, max_value=32767, default=30)
    follows_public_calendar = serializers.BooleanField(default=True)
    cycle_days = serializers.IntegerField(min_value=1, max_value=366, default=1)
    on_days = serializers.ListField(child=serializers.IntegerField(min_value=0), default=list,
                                    help_text="0-based working days of the cycle, e.g. [0] for one day in four")
    is_default = serializers.BooleanField(default=False, help_text="true makes it the only default")


class ShiftTemplateUpdateSerializer(AllOptional, ShiftTemplateInputSerializer):
    pass


class ShiftTemplateListApi(ConfigListApi):
    """Shift templates (one set for the whole installation); POST adds one."""

    model = ShiftTemplate
    output_serializer = ShiftTemplateOutputSerializer
    input_serializer = ShiftTemplateInputSerializer
    create_service = services.shift_template_create


class ShiftTemplateDetailApi(ConfigDetailApi):
    model = ShiftTemplate
    output_serializer = ShiftTemplateOutputSerializer
    update_serializer = ShiftTemplateUpdateSerializer
    update_service = services.shift_template_update
    id_argument = "shift_template_id"


# -- door access groups -----------------------------------------------------------------------------------------

class DoorAccessGroupOutputSerializer(serializers.ModelSerializer):
    department_id = serializers.IntegerField()

    class Meta:
        model = DoorAccessGroup
        fields = ("id", "department_id", "code", "name")


class DoorAccessGroupInputSerializer(StrictSerializer):
    department_id = serializers.IntegerField()
    code = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=120)


class DoorAccessGroupUpdateSerializer(AllOptional, DoorAccessGroupInputSerializer):
    pass


class DoorAccessGroupListApi(ConfigListApi):
    """Door-controller access groups of the departments within the viewer's scope; POST adds one."""

    model = DoorAccessGroup
    output_serializer = DoorAccessGroupOutputSerializer
    input_serializer = DoorAccessGroupInputSerializer
    create_service = services.door_access_group_create


class DoorAccessGroupDetailApi(ConfigDetailApi):
    model = DoorAccessGroup
    output_serializer = DoorAccessGroupOutputSerializer
    update_serializer = DoorAccessGroupUpdateSerializer
    update_service = services.door_access_group_update
    id_argument = "door_access_group_id"
