"""The careers site as JSON under ``/api/v1/public/`` (R-PIPE-8, R-INT-1): no authentication, throttled per
client address. Job boards and the hospital's own website read the open jobs and post applications with the
same checks, messages and answers as the careers site's form (``careers.services.application_submit``).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from candidates.consent import notices_current
from candidates.models import CredentialType, Education, Language, Priority
from candidates.resumes import read_upload
from hrsys.api.pagination import Pagination
from hrsys.api.schema import paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.core.middleware import client_ip

from . import selectors, services


class ClientAddressThrottle(AnonRateThrottle):
    """``PUBLIC_API_RATE`` (``public`` in ``DEFAULT_THROTTLE_RATES``) per client address as the rest of hrsys
    reads it (``client_ip``, which honours ``TRUSTED_PROXY_COUNT``; a forged X-Forwarded-For changes nothing)."""

    scope = "public"

    def get_ident(self, request):
        return client_ip(request) or ""


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientAddressThrottle]


class CredentialAskedSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=CredentialType.choices)
    label = serializers.CharField()
    field = serializers.CharField(help_text="the application's field for its number")
    expires_field = serializers.CharField(help_text="the application's field for the date it is valid until")
    required = serializers.BooleanField(help_text="true for a licence: an application without its number is refused")


class PublicJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organization = serializers.CharField(source="organization.code", help_text="the hospital's or company's code")
    organization_name = serializers.CharField(source="organization.name")
    department_name = serializers.CharField(source="department.name")
    headcount = serializers.IntegerField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    description = serializers.CharField()
    min_years = serializers.IntegerField(help_text="years of experience asked for")
    education_level = serializers.ChoiceField(choices=Education.choices, help_text="the minimum education")
    skills = serializers.SerializerMethodField()
    credentials = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="the job's page on the careers site")
    privacy_notice_version = serializers.SerializerMethodField(
        help_text="the version an application must agree to (`consent_version`)")
    privacy_notice_url = serializers.SerializerMethodField(help_text="the privacy notice to show the applicant")
    created_at = serializers.DateTimeField()

    def get_skills(self, job) -> list[str]:
        return job.skill_names()

    @extend_schema_field(CredentialAskedSerializer(many=True))
    def get_credentials(self, job) -> list[dict]:
        return CredentialAskedSerializer(selectors.credentials_asked(job), many=True).data

    def get_url(self, job) -> str:
        return selectors.job_url(job)

    def get_privacy_notice_version(self, job) -> str:
        org_id = job.department.organization_pk
        notices = self.context.get("notices") or notices_current([org_id])  # a list passes the page's at once
        return str(notices[org_id].version)

    def get_privacy_notice_url(self, job) -> str:
        return f"{settings.PUBLIC_BASE_URL}/careers/privacy/?{urlencode({'organization': job.organization.code})}"


class PublicJobFilterSerializer(StrictSerializer):
    organization = serializers.CharField(required=False, max_length=40,
                                         help_text="only the jobs of this hospital or company (its code)")
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class PublicJobListApi(PublicApi):
    """The open jobs on the careers site, the most urgent first (R-PIPE-8)."""

    @extend_schema(parameters=[PublicJobFilterSerializer], responses=paginated(PublicJobSerializer))
    def get(self, request):
        filters = PublicJobFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        code = filters.validated_data.get("organization")
        jobs = selectors.published_jobs()
        if code:  # an unknown code lists nothing (a filter, not an address)
            org = selectors.organization_find(code)
            jobs = selectors.published_jobs(organization=org) if org else jobs.none()
        paginator = Pagination()
        page = selectors.with_organizations(paginator.paginate_queryset(jobs, request, view=self))
        notices = notices_current({job.department.organization_pk for job in page})
        return paginator.get_paginated_response(PublicJobSerializer(page, many=True, context={"notices": notices}).data)


class PublicJobDetailApi(PublicApi):
    """One job of the careers site, with the credential numbers its application asks for (R-PIPE-8)."""

    @extend_schema(responses=PublicJobSerializer)
    def get(self, request, pk: int):
        return Response(PublicJobSerializer(selectors.published_job_get(pk)).data)


def _licence_fields() -> dict:
    """``licence_<type>`` (the number) and ``licence_<type>_expires`` (valid until) for every credential type."""
    fields = {}
    for ctype, label in CredentialType.choices:
        name = selectors.licence_field(ctype)
        fields[name] = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=200,
            help_text=f"the number of the {label} (required when the job lists it as required)")
        fields[f"{name}_expires"] = serializers.DateField(
            required=False, allow_null=True, default=None,
            help_text=f"the date the {label} is valid until; empty: it does not expire")
    return fields


class PublicApplicationCreateApi(PublicApi):
    """Apply for a job of the careers site (R-PIPE-8): multipart, the résumé as a PDF or Word (.docx) file.

    The same checks and messages as the careers site's form: 400 names every bad field, nothing is stored then.
    Accepted applications all get the same answer (202), whether or not the phone or e-mail was known: the
    confirmation goes by SMS and e-mail to the candidate's contact data on record, with a link to the candidate
    portal. ``CAREERS_APPLY_PER_IP`` tries per client address per hour and ``CAREERS_APPLY_PER_CONTACT``
    applications per phone or e-mail per day, then 429."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
        phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=40,
                                      help_text="mobile number; +86 is assumed without a country code")
        email = serializers.CharField(required=False, allow_blank=True, default="", max_length=254)
        resume = serializers.FileField(required=False, allow_empty_file=True,
                                       help_text="PDF or Word (.docx), at most 10 MB")
        consent = serializers.BooleanField(required=False, default=False,
                                           help_text="the applicant agrees to the privacy notice")
        consent_version = serializers.CharField(required=False, allow_blank=True, default="", max_length=40,
                                                help_text="the version of the notice agreed to "
                                                          "(`privacy_notice_version` of the job)")
        consent_talent_pool = serializers.BooleanField(
            required=False, default=False, help_text="the applicant also agrees to be kept in the talent pool after "
                                                     "this application closes")
        consent_ai_recording = serializers.BooleanField(
            required=False, default=False, help_text="the applicant also agrees to an AI video interview and its "
                                                     "recording")
        preferred_language = serializers.ChoiceField(choices=Language.choices, required=False,
                                           help_text="the applicant's language for our messages; default: the "
                                                     "request's (Accept-Language), else zh-hans")
        homepage = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                         help_text="leave empty: a spam trap (a filled value discards the "
                                                   "application silently)")

        def get_fields(self):
            return {**super().get_fields(), **_licence_fields()}

    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=[("received", "received")])
        message = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer})
    def post(self, request, pk: int):
        job = selectors.published_job_get(pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        upload = values.get("resume")
        try:
            services.application_submit(
                job_id=job.pk, name=values["name"], phone=values["phone"], email=values["email"],
                resume=read_upload(upload, field="resume") if upload is not None else None,
                resume_name=getattr(upload, "name", "") or "",
                licences={name: value for name, value in values.items() if name.startswith("licence_")},
                consent=values["consent"], consent_version=values["consent_version"],
                consent_talent_pool=values["consent_talent_pool"], consent_ai_recording=values["consent_ai_recording"],
                language=values.get("preferred_language") or _request_language(), honeypot=values["homepage"],
                ip=client_ip(request) or "", user_agent=request.META.get("HTTP_USER_AGENT", ""))
        except services.TooManyApplications as exc:
            raise Throttled(detail=str(exc))
        return Response({"status": "received",
                         "message": _("Thank you. We have received your application and will send a confirmation "
                                      "by SMS or e-mail.")}, status=status.HTTP_202_ACCEPTED)


def _request_language() -> str:
    language = translation.get_language() or ""
    return language if language in dict(settings.LANGUAGES) else "zh-hans"
