"""Interview configuration over the API (R-INT-4): reminder policies and interview rooms. Who and which rows:
``hrsys.api.config``."""

from rest_framework import serializers

from hrsys.api.config import AllOptional, ConfigDetailApi, ConfigListApi
from hrsys.api.serializers import StrictSerializer

from . import services
from .models import REMINDER_CHANNELS, ReminderPolicy, Room


class ReminderStepSerializer(StrictSerializer):
    key = serializers.CharField(max_length=20, required=False, help_text="names the step in message keys")
    before_minutes = serializers.IntegerField(min_value=1, help_text="minutes before the interview")
    channels = serializers.ListField(child=serializers.ChoiceField(choices=REMINDER_CHANNELS), allow_empty=False)
    confirm = serializers.BooleanField(default=False, help_text="the reminder asks the candidate to confirm")


class ReminderPolicyOutputSerializer(serializers.ModelSerializer):
    job_id = serializers.IntegerField(allow_null=True)
    steps = ReminderStepSerializer(many=True)

    class Meta:
        model = ReminderPolicy
        fields = ("id", "job_id", "steps", "escalate")


class ReminderPolicyInputSerializer(StrictSerializer):
    job_id = serializers.IntegerField(allow_null=True, required=False, default=None,
                                      help_text="empty: the default for every job without its own policy")
    steps = ReminderStepSerializer(many=True, allow_empty=False)
    escalate = serializers.BooleanField(default=True, help_text="escalate unread / undelivered reminders")


class ReminderPolicyUpdateSerializer(AllOptional, ReminderPolicyInputSerializer):
    pass


class ReminderPolicyListApi(ConfigListApi):
    """Reminder policies of the jobs within the viewer's scope (and the default, for those who see every
    department); POST adds one."""

    model = ReminderPolicy
    output_serializer = ReminderPolicyOutputSerializer
    input_serializer = ReminderPolicyInputSerializer
    create_service = services.reminder_policy_create


class ReminderPolicyDetailApi(ConfigDetailApi):
    model = ReminderPolicy
    output_serializer = ReminderPolicyOutputSerializer
    update_serializer = ReminderPolicyUpdateSerializer
    update_service = services.reminder_policy_update
    id_argument = "reminder_policy_id"


class RoomOutputSerializer(serializers.ModelSerializer):
    department_id = serializers.IntegerField()

    class Meta:
        model = Room
        fields = ("id", "name", "department_id", "location")


class RoomInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=80)
    department_id = serializers.IntegerField()
    location = serializers.CharField(max_length=200, allow_blank=True, default="")


class RoomUpdateSerializer(AllOptional, RoomInputSerializer):
    pass


class RoomListApi(ConfigListApi):
    """Interview rooms of the departments within the viewer's scope; POST adds one."""

    model = Room
    output_serializer = RoomOutputSerializer
    input_serializer = RoomInputSerializer
    create_service = services.room_create


class RoomDetailApi(ConfigDetailApi):
    model = Room
    output_serializer = RoomOutputSerializer
    update_serializer = RoomUpdateSerializer
    update_service = services.room_update
    id_argument = "room_id"
