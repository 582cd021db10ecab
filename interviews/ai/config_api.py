"""AI interview configuration over the API (R-INT-4, R-AI-5): vendors, job AI policies, the question bank.

* ``ai-interviews/vendors/`` -- the system administrator's (``ai_interviews.*_vendor``; vendors serve every
  organisation). Secrets (``secret``, ``previous_secret``, ``api_key``) are write-only: accepted on create and
  update, answered only as ``secret_set`` / ``previous_secret_set`` / ``api_key_set``.
* ``ai-interviews/job-policies/`` -- HR, HR director, administrator; the jobs of the viewer's departments.
* ``ai-interviews/questions/`` -- HR, HR director, administrator; the banks of the viewer's organisations.

Every write goes through an audited service; bad input is a 400 naming the fields, nothing saved; outside the
viewer's scope a 404.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from candidates.models import JobRequisition
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.pagination import Pagination
from hrsys.api.schema import paginated
from hrsys.api.serializers import StrictSerializer

from . import services
from .adapters import registry
from .models import JobAIPolicy, Question, SignatureScheme, Vendor

TAGS = ["ai-interviews"]


def _require(user, perm):
    if not user.has_perm(perm):
        raise PermissionDenied(perm)


def _paginate(view, request, qs, serializer_class):
    paginator = Pagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _all_optional(serializer_class):
    """The update form of an input serializer: every field optional (PATCH)."""

    class Update(serializer_class):
        class Meta:
            ref_name = f"{serializer_class.Meta.ref_name}Update"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                field.required = False

    Update.__name__ = f"{serializer_class.__name__}Update"
    return Update


# -- vendors ------------------------------------------------------------------------------------------------

class VendorOutputSerializer(serializers.ModelSerializer):
    secret_set = serializers.SerializerMethodField(help_text="a signing secret is stored (never shown)")
    previous_secret_set = serializers.SerializerMethodField(help_text="a previous secret is still accepted")
    api_key_set = serializers.SerializerMethodField(help_text="an API key is stored (never shown)")
    media_url_hosts = serializers.ListField(child=serializers.CharField())
    dimension_map = serializers.JSONField()

    class Meta:
        model = Vendor
        ref_name = "AIVendor"
        fields = ("id", "slug", "name", "adapter", "signature_scheme", "secret_set", "previous_secret_set",
                  "api_key_set", "timestamp_tolerance_seconds", "max_body_bytes", "media_retention_days",
                  "media_url_hosts", "overall_min", "overall_max", "dimension_map", "interview_url_template",
                  "active", "created_at", "updated_at")

    def get_secret_set(self, obj) -> bool:
        return bool(obj.secret)

    def get_previous_secret_set(self, obj) -> bool:
        return bool(obj.previous_secret)

    def get_api_key_set(self, obj) -> bool:
        return bool(obj.api_key)


class VendorInputSerializer(StrictSerializer):
    class Meta:
        ref_name = "AIVendorInput"

    slug = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    adapter = serializers.ChoiceField(choices=registry.adapter_paths())
    signature_scheme = serializers.ChoiceField(choices=SignatureScheme.choices, required=False)
    secret = serializers.CharField(write_only=True, min_length=16, max_length=500, trim_whitespace=False,
                                   help_text="write-only: the shared HMAC secret of the webhook; never returned")
    previous_secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=500,
                                            help_text="write-only: still accepted while the vendor switches; "
                                                      "empty removes it")
    api_key = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=500,
                                    help_text="write-only: for calls to the vendor (media downloads)")
    timestamp_tolerance_seconds = serializers.IntegerField(required=False, min_value=10, max_value=3600)
    max_body_bytes = serializers.IntegerField(required=False, min_value=1024, max_value=10 * 1024 * 1024)
    media_retention_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    media_url_hosts = serializers.ListField(child=serializers.CharField(max_length=253), required=False,
                                            max_length=50, help_text='e.g. ["media.vervoe.com", ".vervoe.com"]')
    overall_min = serializers.FloatField(required=False)
    overall_max = serializers.FloatField(required=False)
    dimension_map = serializers.JSONField(required=False, help_text='[{"vendor": "logic", "dimension": "logic", '
                                                                    '"min": 1, "max": 5}]')
    interview_url_template = serializers.CharField(required=False, allow_blank=True, max_length=500)
    active = serializers.BooleanField(required=False)


VendorUpdateSerializer = _all_optional(VendorInputSerializer)


class VendorListApi(APIView):
    """AI interview vendors; POST adds one (R-INT-4)."""

    @extend_schema(responses=paginated(VendorOutputSerializer), tags=TAGS)
    def get(self, request):
        _require(request.user, "ai_interviews.view_vendor")
        return _paginate(self, request, Vendor.objects.order_by("pk"), VendorOutputSerializer)

    @extend_schema(request=VendorInputSerializer, responses={201: VendorOutputSerializer}, tags=TAGS)
    def post(self, request):
        _require(request.user, "ai_interviews.add_vendor")
        data = VendorInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vendor = services.vendor_create(actor=request.user, **data.validated_data)
        return Response(VendorOutputSerializer(vendor).data, status=status.HTTP_201_CREATED)


class VendorDetailApi(APIView):
    @extend_schema(responses=VendorOutputSerializer, tags=TAGS)
    def get(self, request, pk: int):
        _require(request.user, "ai_interviews.view_vendor")
        return Response(VendorOutputSerializer(get_object_or_404(Vendor, pk=pk)).data)

    @extend_schema(request=VendorUpdateSerializer, responses=VendorOutputSerializer, tags=TAGS)
    def patch(self, request, pk: int):
        _require(request.user, "ai_interviews.change_vendor")
        data = VendorUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        vendor = services.vendor_update(actor=request.user, vendor_id=pk, **data.validated_data)
        return Response(VendorOutputSerializer(vendor).data)


# -- a job's AI policy --------------------------------------------------------------------------------------

class JobAIPolicyOutputSerializer(serializers.ModelSerializer):
    job = serializers.IntegerField(source="job_id")
    tags = serializers.ListField(child=serializers.CharField(), help_text="question tags of the job")
    default_vendor = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    backup_pool = serializers.SerializerMethodField(help_text="candidate ids, first promoted first")

    class Meta:
        model = JobAIPolicy
        ref_name = "AIJobPolicy"
        fields = ("id", "job", "auto_moves", "rejection_hold_hours", "overall_pass", "overall_borderline",
                  "job_family", "tags", "default_vendor", "duration_minutes", "backup_pool")

    def get_backup_pool(self, obj) -> list[int]:
        through = obj.job.backup_pool.through
        return list(through.objects.filter(jobrequisition_id=obj.job_id).order_by("pk")
                    .values_list("candidate_id", flat=True))


class JobAIPolicyInputSerializer(StrictSerializer):
    class Meta:
        ref_name = "AIJobPolicyInput"

    job = serializers.IntegerField()
    auto_moves = serializers.BooleanField(required=False)
    rejection_hold_hours = serializers.IntegerField(required=False, min_value=0, max_value=720)
    overall_pass = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100)
    overall_borderline = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100)
    job_family = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                       help_text="picks bank questions of this family, e.g. nursing")
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20,
                                 help_text="picks bank questions carrying one of these tags")
    default_vendor = serializers.SlugField(required=False, allow_blank=True, allow_null=True,
                                           help_text="slug of an active vendor; empty for none")
    duration_minutes = serializers.IntegerField(required=False, min_value=5, max_value=240)
    backup_pool = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=200,
                                        help_text="candidate ids in the order they are promoted on an urgent "
                                                  "no-show; replaces the pool")


class JobAIPolicyUpdateSerializer(JobAIPolicyInputSerializer):
    class Meta:
        ref_name = "AIJobPolicyUpdate"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("job")
        for field in self.fields.values():
            field.required = False


def _policies(user):
    return JobAIPolicy.objects.for_user(user).select_related("job", "default_vendor")


class JobAIPolicyListApi(APIView):
    """The AI policies of the viewer's jobs; POST gives a job one (R-INT-4, R-PIPE-3)."""

    @extend_schema(responses=paginated(JobAIPolicyOutputSerializer), tags=TAGS)
    def get(self, request):
        _require(request.user, "ai_interviews.view_jobaipolicy")
        return _paginate(self, request, _policies(request.user).order_by("pk"), JobAIPolicyOutputSerializer)

    @extend_schema(request=JobAIPolicyInputSerializer, responses={201: JobAIPolicyOutputSerializer}, tags=TAGS)
    def post(self, request):
        _require(request.user, "ai_interviews.add_jobaipolicy")
        data = JobAIPolicyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        policy = services.job_ai_policy_create(actor=request.user, job_id=values.pop("job"), **values)
        return Response(JobAIPolicyOutputSerializer(_policies(request.user).get(pk=policy.pk)).data,
                        status=status.HTTP_201_CREATED)


class JobAIPolicyDetailApi(APIView):
    @extend_schema(responses=JobAIPolicyOutputSerializer, tags=TAGS)
    def get(self, request, pk: int):
        _require(request.user, "ai_interviews.view_jobaipolicy")
        return Response(JobAIPolicyOutputSerializer(get_for_user_or_404(_policies(request.user), request.user,
                                                                        pk=pk)).data)

    @extend_schema(request=JobAIPolicyUpdateSerializer, responses=JobAIPolicyOutputSerializer, tags=TAGS)
    def patch(self, request, pk: int):
        get_for_user_or_404(JobAIPolicy, request.user, pk=pk)
        _require(request.user, "ai_interviews.change_jobaipolicy")
        data = JobAIPolicyUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.job_ai_policy_update(actor=request.user, policy_id=pk, **data.validated_data)
        return Response(JobAIPolicyOutputSerializer(_policies(request.user).get(pk=pk)).data)


def job_ai_settings(job: JobRequisition) -> dict:
    """What the job API shows of the job's AI policy (registered with ``candidates.job_settings``)."""
    policy = JobAIPolicy.objects.select_related("job", "default_vendor").filter(job_id=job.pk).first()
    if policy is None:
        return {"job_family": "", "question_tags": [], "ai_policy": None}
    return {"job_family": policy.job_family, "question_tags": list(policy.tags or []),
            "ai_policy": JobAIPolicyOutputSerializer(policy).data}


# -- the question bank --------------------------------------------------------------------------------------

class QuestionOutputSerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True,
                                            help_text="the hospital or company whose bank it is; null: shared")
    translation_of = serializers.IntegerField(source="translation_of_id", allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Question
        ref_name = "AIQuestion"
        fields = ("id", "organisation", "text", "language", "translation_of", "dimension", "job_family", "tags",
                  "use_for", "guidance", "active", "created_at")


class QuestionInputSerializer(StrictSerializer):
    class Meta:
        ref_name = "AIQuestionInput"

    organisation = serializers.IntegerField(help_text="the hospital or company (a department of kind "
                                                      "organization) whose bank it joins")
    text = serializers.CharField(max_length=2000)
    language = serializers.ChoiceField(choices=Question._meta.get_field("language").choices, required=False)
    translation_of = serializers.IntegerField(required=False, allow_null=True)
    dimension = serializers.CharField(max_length=40, help_text="assessment dimension key, e.g. stress_tolerance")
    job_family = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                       help_text="suggested for jobs of this family; empty: any")
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20,
                                 help_text="suggested for jobs carrying one of these tags")
    use_for = serializers.ChoiceField(choices=Question.Use.choices, required=False)
    guidance = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    active = serializers.BooleanField(required=False)


QuestionUpdateSerializer = _all_optional(QuestionInputSerializer)


def _question_values(validated: dict) -> dict:
    values = dict(validated)
    for name in ("organisation", "translation_of"):
        if name in values:
            values[f"{name}_id"] = values.pop(name)
    return values


class QuestionListApi(APIView):
    """The question banks of the viewer's organisations; POST adds a question (R-AI-5, R-INT-4)."""

    @extend_schema(responses=paginated(QuestionOutputSerializer), tags=TAGS)
    def get(self, request):
        _require(request.user, "ai_interviews.view_question")
        return _paginate(self, request, Question.objects.for_user(request.user).order_by("pk"), QuestionOutputSerializer)

    @extend_schema(request=QuestionInputSerializer, responses={201: QuestionOutputSerializer}, tags=TAGS)
    def post(self, request):
        _require(request.user, "ai_interviews.add_question")
        data = QuestionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_create(actor=request.user, **_question_values(data.validated_data))
        return Response(QuestionOutputSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(APIView):
    @extend_schema(responses=QuestionOutputSerializer, tags=TAGS)
    def get(self, request, pk: int):
        _require(request.user, "ai_interviews.view_question")
        return Response(QuestionOutputSerializer(get_for_user_or_404(Question, request.user, pk=pk)).data)

    @extend_schema(request=QuestionUpdateSerializer, responses=QuestionOutputSerializer, tags=TAGS)
    def patch(self, request, pk: int):
        get_for_user_or_404(Question, request.user, pk=pk)
        _require(request.user, "ai_interviews.change_question")
        data = QuestionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        question = services.question_update(actor=request.user, question_id=pk,
                                            **_question_values(data.validated_data))
        return Response(QuestionOutputSerializer(question).data)
