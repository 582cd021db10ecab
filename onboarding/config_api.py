"""Offer and onboarding configuration over the API (R-INT-4): pay bands, offer templates, onboarding checklist
templates with their items. Who and which rows: ``hrsys.api.config``."""

from rest_framework import serializers

from hrsys.api.config import AllOptional, ConfigDetailApi, ConfigListApi
from hrsys.api.serializers import StrictSerializer

from . import services
from .models import (
    ChecklistCategory,
    ChecklistTemplate,
    ChecklistTemplateItem,
    OfferTemplate,
    OwnerRole,
    PayBand,
)

MONEY = {"max_digits": 10, "decimal_places": 2}


# -- pay bands ----------------------------------------------------------------------------------------------------

class PayBandOutputSerializer(serializers.ModelSerializer):
    department_id = serializers.IntegerField()

    class Meta:
        model = PayBand
        fields = ("id", "department_id", "job_level", "minimum", "midpoint", "maximum", "currency")


class PayBandInputSerializer(StrictSerializer):
    department_id = serializers.IntegerField()
    job_level = serializers.CharField(max_length=40)
    minimum = serializers.DecimalField(**MONEY, help_text="monthly")
    midpoint = serializers.DecimalField(**MONEY, help_text="monthly; minimum <= midpoint <= maximum")
    maximum = serializers.DecimalField(**MONEY, help_text="monthly")
    currency = serializers.CharField(min_length=3, max_length=3, default="CNY")


class PayBandUpdateSerializer(AllOptional, PayBandInputSerializer):
    pass


class PayBandListApi(ConfigListApi):
    """Pay bands of the departments within the viewer's scope; POST adds one."""

    model = PayBand
    output_serializer = PayBandOutputSerializer
    input_serializer = PayBandInputSerializer
    create_service = services.pay_band_create


class PayBandDetailApi(ConfigDetailApi):
    model = PayBand
    output_serializer = PayBandOutputSerializer
    update_serializer = PayBandUpdateSerializer
    update_service = services.pay_band_update
    id_argument = "pay_band_id"


# -- offer templates ------------------------------------------------------------------------------------------

class OfferTemplateOutputSerializer(serializers.ModelSerializer):
    department_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = OfferTemplate
        fields = ("id", "name", "department_id", "job_level", "probation_months", "validity_days", "working_hours",
                  "benefits", "active")


class OfferTemplateInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    department_id = serializers.IntegerField(allow_null=True, required=False, default=None,
                                             help_text="empty: for every department without its own template")
    job_level = serializers.CharField(max_length=40, allow_blank=True, default="")
    probation_months = serializers.IntegerField(min_value=0, max_value=32767, default=3)
    validity_days = serializers.IntegerField(min_value=0, max_value=32767, default=7)
    working_hours = serializers.CharField(max_length=200, allow_blank=True, required=False)
    benefits = serializers.CharField(allow_blank=True, required=False)
    active = serializers.BooleanField(default=True)


class OfferTemplateUpdateSerializer(AllOptional, OfferTemplateInputSerializer):
    pass


class OfferTemplateListApi(ConfigListApi):
    """Offer templates of the departments within the viewer's scope (and, for those who see every department,
    the templates for everyone); POST adds one."""

    model = OfferTemplate
    output_serializer = OfferTemplateOutputSerializer
    input_serializer = OfferTemplateInputSerializer
    create_service = services.offer_template_create


class OfferTemplateDetailApi(ConfigDetailApi):
    model = OfferTemplate
    output_serializer = OfferTemplateOutputSerializer
    update_serializer = OfferTemplateUpdateSerializer
    update_service = services.offer_template_update
    id_argument = "offer_template_id"


# -- checklist templates --------------------------------------------------------------------------------------

class ChecklistTemplateItemInputSerializer(StrictSerializer):
    category = serializers.ChoiceField(choices=ChecklistCategory.choices)
    title = serializers.CharField(max_length=200)
    owner_role = serializers.ChoiceField(choices=OwnerRole.choices, default=OwnerRole.HR)
    due_days = serializers.IntegerField(min_value=-32768, max_value=32767, default=0,
                                        help_text="days from the start date; negative: before the first day")
    clinical_only = serializers.BooleanField(default=False)
    order = serializers.IntegerField(min_value=0, max_value=32767, default=0, help_text="0: the item's position")


class ChecklistTemplateItemOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistTemplateItem
        fields = ("id", "category", "title", "owner_role", "due_days", "clinical_only", "order")


class ChecklistTemplateOutputSerializer(serializers.ModelSerializer):
    job_id = serializers.IntegerField(allow_null=True)
    department_id = serializers.IntegerField(allow_null=True)
    items = ChecklistTemplateItemOutputSerializer(many=True)

    class Meta:
        model = ChecklistTemplate
        fields = ("id", "name", "job_id", "department_id", "active", "items")


class ChecklistTemplateInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    job_id = serializers.IntegerField(allow_null=True, required=False, default=None,
                                      help_text="a job's own checklist (its department is the job's)")
    department_id = serializers.IntegerField(allow_null=True, required=False, default=None,
                                             help_text="for a department and those below it; both empty: everyone")
    active = serializers.BooleanField(default=True)
    items = ChecklistTemplateItemInputSerializer(many=True, default=list)


class ChecklistTemplateUpdateSerializer(AllOptional, ChecklistTemplateInputSerializer):
    """``items``, when given, replace every item of the template."""


class ChecklistTemplateListApi(ConfigListApi):
    """Onboarding checklist templates with their items (R-ONB-2); POST adds one with its items."""

    model = ChecklistTemplate
    output_serializer = ChecklistTemplateOutputSerializer
    input_serializer = ChecklistTemplateInputSerializer
    create_service = services.checklist_template_create

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("items")


class ChecklistTemplateDetailApi(ConfigDetailApi):
    model = ChecklistTemplate
    output_serializer = ChecklistTemplateOutputSerializer
    update_serializer = ChecklistTemplateUpdateSerializer
    update_service = services.checklist_template_update
    id_argument = "checklist_template_id"
