"""REST API of the hiring pipeline under /api/v1/ (R-PIPE-*, R-HOSP-1, R-DASH-4, R-SEC-1..3).

Every read goes through a selector with the viewer's scope (404 outside it);
every write calls one service. Errors use the platform's one format.
"""

import io

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.api.errors import error_body
from hrsys.api.pagination import Pagination
from hrsys.api.schema import CSV, DOCX, JPEG, OCTET_STREAM, PDF, PNG, XLSX, binary, paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.exports import export_response

from . import diagram, importer, job_settings, selectors, services
from .exports import APPLICATION_EXPORT_COLUMNS, CANDIDATE_EXPORT_COLUMNS
from .models import (
    TRANSITION_NAMES,
    Candidate,
    CredentialType,
    Education,
    InterviewRound,
    JobRequisition,
    Language,
    Priority,
    SourceChannel,
    State,
)
from .resumes import read_upload, sniff


def _paginate(view, request, qs, serializer_class):
    paginator = Pagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def duplicate_response(request, exc: services.DuplicateCandidate) -> Response:
    """409 offering a merge: the ids of duplicates the viewer may see, and how many they may not."""
    visible = set(Candidate.objects.for_user(request.user).filter(pk__in=exc.candidate_ids).values_list("pk", flat=True))
    shown = [m for m in exc.matches if m["id"] in visible]
    body = error_body("duplicate", str(exc), duplicates=shown, hidden_duplicates=len(exc.matches) - len(shown),
                      allowed=["merge", "apply_existing"] if shown else [])
    return Response(body, status=status.HTTP_409_CONFLICT)


# -- jobs -----------------------------------------------------------------------------------------

class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the round's id, as scheduling asks for it; a job update that gives "
                                            "`rounds` replaces them with new ids")
    order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=InterviewRound.Kind.choices)
    interviewers = serializers.SerializerMethodField()
    duration_minutes = serializers.IntegerField()
    requires_credentials = serializers.BooleanField()

    def get_interviewers(self, obj) -> list[int]:
        return [u.pk for u in obj.interviewers.all()]


class JobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    department = serializers.IntegerField(source="department_id")
    department_name = serializers.CharField(source="department.name")
    headcount = serializers.IntegerField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    status = serializers.ChoiceField(choices=JobRequisition.Status.choices)
    published = serializers.BooleanField(help_text="shown on the public careers site while open (R-PIPE-8)")
    description = serializers.CharField()
    skills = serializers.JSONField()
    min_years = serializers.IntegerField()
    education_level = serializers.ChoiceField(choices=Education.choices)
    required_credentials = serializers.JSONField()
    credential_checkpoints = serializers.JSONField()
    assessment_dimensions = serializers.JSONField()
    rejection_message = serializers.CharField()
    rounds = RoundSerializer(many=True)


class JobDetailOutputSerializer(JobOutputSerializer):
    """A job with what the AI interview stage keeps for it (``job_settings``)."""

    job_family = serializers.CharField(help_text="the AI policy's job family: picks bank follow-up questions")
    question_tags = serializers.ListField(child=serializers.CharField(),
                                          help_text="the AI policy's question tags: pick bank follow-up questions")
    ai_policy = serializers.JSONField(allow_null=True, help_text="the job's AI interview policy as "
                                      "/api/v1/ai-interviews/job-policies/<id>/ answers it; null: the defaults")

    def to_representation(self, instance):
        return {**JobOutputSerializer(instance, context=self.context).data, **job_settings.read(instance)}


def _job_detail(request, pk):
    return JobDetailOutputSerializer(selectors.job_get(user=request.user, pk=pk)).data


class JobInputSerializer(StrictSerializer):
    department = serializers.IntegerField()
    title = serializers.CharField(max_length=120)
    headcount = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    status = serializers.ChoiceField(choices=JobRequisition.Status.choices, required=False)
    published = serializers.BooleanField(required=False, help_text="show on the public careers site while open")
    description = serializers.CharField(required=False, allow_blank=True)
    skills = serializers.JSONField(required=False, help_text=(
        'the skills matched against résumés, weight 1..10: [{"name": "triage", "weight": 3, "aliases": ["分诊"]}]'))
    min_years = serializers.IntegerField(min_value=0, max_value=60, required=False)
    education_level = serializers.ChoiceField(choices=Education.choices, required=False)
    required_credentials = serializers.JSONField(required=False, help_text=(
        f'credential types the job requires, e.g. ["nurse_licence"]; one of: {", ".join(CredentialType.values)}'))
    credential_checkpoints = serializers.JSONField(required=False, help_text=(
        'the moves that check the credentials first, e.g. ["advance_to_interview", "make_offer", "hire"]'))
    assessment_dimensions = serializers.JSONField(required=False, help_text=(
        'what the AI interview and the scorecards assess, with the thresholds of the automatic moves on 0..100 '
        '(R-PIPE-3): [{"key": "communication", "label": "沟通", "pass": 70, "borderline": 50}]'))
    rejection_message = serializers.CharField(required=False, allow_blank=True)
    rounds = serializers.JSONField(required=False, help_text=(
        'the interview plan, in order; replaces the rounds when given: [{"kind": "technical", "interviewers": '
        f'[<user id>], "duration_minutes": 45, "requires_credentials": false}}]; kind one of: '
        f'{", ".join(InterviewRound.Kind.values)}'))
    job_family = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                       help_text="kept in the job's AI policy: picks bank follow-up questions of "
                                                 "this family, e.g. nursing")
    question_tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20,
                                          help_text="kept in the job's AI policy: picks bank follow-up questions "
                                                    "carrying one of these tags")


class JobFilterSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=JobRequisition.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    department = serializers.IntegerField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class JobListApi(APIView):
    """Job requisitions of the viewer's departments; POST opens one (R-PIPE-1)."""

    @extend_schema(parameters=[JobFilterSerializer], responses=paginated(JobOutputSerializer))
    def get(self, request):
        filters = JobFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return _paginate(self, request, selectors.job_list(user=request.user, filters=filters.validated_data),
                         JobOutputSerializer)

    @extend_schema(request=JobInputSerializer, responses={201: JobDetailOutputSerializer})
    def post(self, request):
        data = JobInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.job_create(actor=request.user, **data.validated_data)
        return Response(_job_detail(request, job.pk), status=status.HTTP_201_CREATED)


class JobDetailApi(APIView):
    class UpdateSerializer(JobInputSerializer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                field.required = False

    @extend_schema(responses=JobDetailOutputSerializer)
    def get(self, request, pk: int):
        return Response(_job_detail(request, pk))

    @extend_schema(request=UpdateSerializer, responses=JobDetailOutputSerializer)
    def patch(self, request, pk: int):
        selectors.job_get(user=request.user, pk=pk)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.job_update(actor=request.user, job_id=pk, **data.validated_data)
        return Response(_job_detail(request, pk))


# -- candidates -----------------------------------------------------------------------------------

class CandidateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    education = serializers.ChoiceField(choices=Education.choices)
    years_experience = serializers.IntegerField()
    skills = serializers.JSONField()
    source = serializers.ChoiceField(choices=SourceChannel.choices)
    preferred_language = serializers.CharField()
    created_at = serializers.DateTimeField()


class CredentialOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    candidate = serializers.IntegerField(source="candidate_id")
    type = serializers.ChoiceField(choices=CredentialType.choices)
    type_label = serializers.CharField(source="get_type_display")
    number = serializers.CharField()
    issuer = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    expired = serializers.SerializerMethodField()
    has_file = serializers.SerializerMethodField()

    def get_expired(self, obj) -> bool:
        return not obj.is_valid_on(timezone.localdate())

    def get_has_file(self, obj) -> bool:
        return bool(obj.file)


class ResumeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    candidate = serializers.IntegerField(source="candidate_id")
    kind = serializers.CharField()
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    proposed = serializers.JSONField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class CandidateApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    job = serializers.IntegerField(source="job_id")
    job_title = serializers.CharField(source="job.title")
    state = serializers.CharField()
    match_score = serializers.IntegerField(allow_null=True)


class CandidateDetailOutputSerializer(CandidateOutputSerializer):
    phone = serializers.CharField()
    email = serializers.CharField()
    id_number = serializers.CharField()
    consent_version = serializers.CharField()
    consent_at = serializers.DateTimeField(allow_null=True)
    applications = CandidateApplicationSerializer(many=True)
    credentials = CredentialOutputSerializer(many=True)
    resumes = ResumeOutputSerializer(many=True)


class CandidateInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    education = serializers.ChoiceField(choices=Education.choices, required=False)
    years_experience = serializers.IntegerField(min_value=0, max_value=60, required=False)
    skills = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    source = serializers.ChoiceField(choices=SourceChannel.choices, required=False)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    consent_version = serializers.CharField(max_length=40, required=False, allow_blank=True)
    consent_at = serializers.DateTimeField(required=False, allow_null=True)
    job = serializers.IntegerField(help_text="the open job the candidate applies to")


class CandidateFilterSerializer(StrictSerializer):
    search = serializers.CharField(required=False, help_text="name, or exact phone / email / ID number")
    job = serializers.IntegerField(required=False)
    education = serializers.ChoiceField(choices=Education.choices, required=False)
    source = serializers.ChoiceField(choices=SourceChannel.choices, required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)
    format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False)


class CandidateListApi(APIView):
    """Candidates with an application in the viewer's departments; POST creates one with an application."""

    @extend_schema(parameters=[CandidateFilterSerializer], responses=paginated(CandidateOutputSerializer))
    def get(self, request):
        filters = CandidateFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        filters.validated_data.pop("format", None)
        return _paginate(self, request, selectors.candidate_list(user=request.user, filters=filters.validated_data),
                         CandidateOutputSerializer)

    @extend_schema(request=CandidateInputSerializer, responses={201: CandidateDetailOutputSerializer})
    def post(self, request):
        data = CandidateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        job_id = values.pop("job")
        try:
            candidate = services.candidate_create(actor=request.user, job_id=job_id, **values)
        except services.DuplicateCandidate as exc:
            return duplicate_response(request, exc)
        return Response(CandidateDetailOutputSerializer(selectors.candidate_get(user=request.user, pk=candidate.pk)).data,
                        status=status.HTTP_201_CREATED)


class CandidateDetailApi(APIView):
    class UpdateSerializer(StrictSerializer):
        name = serializers.CharField(max_length=100, required=False)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
        email = serializers.CharField(required=False, allow_blank=True, max_length=254)
        id_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
        education = serializers.ChoiceField(choices=Education.choices, required=False)
        years_experience = serializers.IntegerField(min_value=0, max_value=60, required=False)
        skills = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
        source = serializers.ChoiceField(choices=SourceChannel.choices, required=False)
        preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)

    @extend_schema(responses=CandidateDetailOutputSerializer)
    def get(self, request, pk: int):
        candidate = selectors.candidate_get(user=request.user, pk=pk)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=candidate, detail="api detail", channel="api")
        return Response(CandidateDetailOutputSerializer(candidate).data)

    @extend_schema(request=UpdateSerializer, responses=CandidateDetailOutputSerializer)
    def patch(self, request, pk: int):
        selectors.candidate_get(user=request.user, pk=pk)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.candidate_update(actor=request.user, candidate_id=pk, **data.validated_data)
        except services.DuplicateCandidate as exc:
            return duplicate_response(request, exc)
        return Response(CandidateDetailOutputSerializer(selectors.candidate_get(user=request.user, pk=pk)).data)


class CandidateMergeApi(APIView):
    """Fold a duplicate candidate (``source``) into this one (R-PIPE-5)."""

    class InputSerializer(StrictSerializer):
        source = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=CandidateDetailOutputSerializer)
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.candidate_merge(actor=request.user, target_id=pk, source_id=data.validated_data["source"])
        return Response(CandidateDetailOutputSerializer(selectors.candidate_get(user=request.user, pk=pk)).data)


class CandidateTimelineApi(APIView):
    @extend_schema(responses=inline_serializer("TimelineRow", {
        "at": serializers.DateTimeField(), "kind": serializers.CharField(), "action": serializers.CharField(),
        "actor": serializers.CharField(), "object": serializers.CharField(), "reason": serializers.CharField(),
        "changes": serializers.JSONField()}, many=True))
    def get(self, request, pk: int):
        candidate = selectors.candidate_get(user=request.user, pk=pk)
        rows = selectors.candidate_timeline(candidate)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=candidate, detail="api timeline", channel="api")
        return Response([{**r, "at": r["at"].isoformat()} for r in rows])


class CandidateExportApi(APIView):
    @extend_schema(parameters=[CandidateFilterSerializer], responses=binary(CSV, XLSX))
    def get(self, request):
        filters = CandidateFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        fmt = values.pop("format", "csv")
        return export_response(
            actor=request.user, rows=selectors.candidate_list(user=request.user, filters=values),
            columns=CANDIDATE_EXPORT_COLUMNS, fmt=fmt, basename="candidates", object_type="candidates.candidate",
            detail=str(values), channel="api")


class ResumeUploadApi(APIView):
    """Upload a PDF or DOCX resume; the answer carries the fields proposed from it (R-PIPE-5)."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        file = serializers.FileField()
        job = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={201: ResumeOutputSerializer})
    def post(self, request, pk: int):
        selectors.candidate_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        resume = services.resume_upload(actor=request.user, candidate_id=pk, data=read_upload(upload),
                                        filename=upload.name, job_id=data.validated_data.get("job"))
        return Response(ResumeOutputSerializer(resume).data, status=status.HTTP_201_CREATED)


class ResumeDetailApi(APIView):
    @extend_schema(responses=ResumeOutputSerializer)
    def get(self, request, pk: int):
        resume = selectors.resume_get(user=request.user, pk=pk)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=resume, detail="api detail", channel="api")
        return Response(ResumeOutputSerializer(resume).data)


class ResumeConfirmApi(APIView):
    """HR accepts or corrects the proposed fields (only the ones sent)."""

    class InputSerializer(StrictSerializer):
        name = serializers.CharField(max_length=100, required=False)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
        email = serializers.CharField(required=False, allow_blank=True, max_length=254)
        years_experience = serializers.IntegerField(min_value=0, max_value=60, required=False)
        education = serializers.ChoiceField(choices=Education.choices, required=False)
        skills = serializers.ListField(child=serializers.CharField(max_length=60), required=False)

    @extend_schema(request=InputSerializer, responses=ResumeOutputSerializer)
    def post(self, request, pk: int):
        selectors.resume_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            resume = services.resume_confirm(actor=request.user, resume_id=pk, fields=data.validated_data)
        except services.DuplicateCandidate as exc:
            return duplicate_response(request, exc)
        return Response(ResumeOutputSerializer(resume).data)


def _content_type(data: bytes) -> str:
    """What a stored resume or scan is, from its bytes like the upload checks (never from the uploaded
    file's name, which may say anything): the media types the schema documents."""
    kind = sniff(data)
    if kind:
        return {"pdf": PDF, "docx": DOCX}[kind]
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    return OCTET_STREAM


def _file_response(request, obj, field, label):
    f = getattr(obj, field)
    if not f:
        raise Http404
    access_log(actor=request.user, kind=AccessLog.Kind.DOWNLOAD, obj=obj, detail=f"{label} file", channel="api")
    with f.storage.open(f.name) as fh:
        data = fh.read()
    return FileResponse(io.BytesIO(data), as_attachment=True, content_type=_content_type(data),
                        filename=getattr(obj, "original_name", "") or f.name.rsplit("/", 1)[-1])


class ResumeFileApi(APIView):
    @extend_schema(responses=binary(PDF, DOCX))
    def get(self, request, pk: int):
        return _file_response(request, selectors.resume_get(user=request.user, pk=pk), "file", "resume")


class CandidateImportApi(APIView):
    """Import candidates from an Excel/CSV list into one job: preview (default) or commit (R-PIPE-5)."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        file = serializers.FileField()
        job = serializers.IntegerField()
        commit = serializers.BooleanField(required=False, default=False)
        partial = serializers.BooleanField(required=False, default=False,
                                           help_text="import the good rows even when others are bad")

    @extend_schema(request=InputSerializer, responses=inline_serializer("ImportResult", {
        "rows": serializers.IntegerField(), "valid": serializers.IntegerField(), "errors": serializers.JSONField(),
        "committed": serializers.BooleanField(), "created": serializers.IntegerField()}))
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        upload = v["file"]
        result = importer.candidates_import(actor=request.user, data=read_upload(upload), filename=upload.name,
                                            job_id=v["job"], commit=v["commit"], partial=v["partial"])
        return Response(result.as_dict(), status=status.HTTP_201_CREATED if result.committed else status.HTTP_200_OK)


# -- applications ---------------------------------------------------------------------------------

class ApplicationListItemSerializer(serializers.Serializer):
    """One row of the screening queue: what the list shows (the breakdown, moves and history are on the detail).

    Documents the row only; the list renders rows with ``application_list_rows`` (the same keys, a test holds
    them together): DRF fields cost microseconds a value, and a page of 200 rows has 3,000 values."""

    id = serializers.IntegerField()
    candidate = serializers.IntegerField(source="candidate_id")
    candidate_name = serializers.CharField(source="candidate.name")
    job = serializers.IntegerField(source="job_id")
    job_title = serializers.CharField(source="job.title")
    department = serializers.IntegerField(source="job.department_id")
    department_name = serializers.CharField(source="job.department.name")
    priority = serializers.CharField(source="job.priority")
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField(source="get_state_display")
    source = serializers.ChoiceField(choices=SourceChannel.choices)
    match_score = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    state_changed_at = serializers.DateTimeField()


class ApplicationOutputSerializer(ApplicationListItemSerializer):
    match_breakdown = serializers.JSONField()


def application_list_rows(rows) -> list[dict]:
    """Rows of ``selectors.application_list_values`` as the list answers them: the stage labels are
    translated once per request (a table), not once per row; times as ``DateTimeField`` writes them (ISO 8601 in
    the request's time zone), with the zone looked up once per request, not once per value."""
    state_labels = {value: str(label) for value, label in State.choices}
    zone = timezone.get_current_timezone()

    def when(moment):
        if moment is None:
            return None
        text = moment.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return [{
        "id": r["id"], "candidate": r["candidate_id"], "candidate_name": r["candidate_name"], "job": r["job_id"],
        "job_title": r["job_title"], "department": r["department_id"], "department_name": r["department_name"],
        "priority": r["priority"], "state": r["state"], "state_label": state_labels.get(r["state"], r["state"]),
        "source": r["source"], "match_score": r["match_score"], "created_at": when(r["created_at"]),
        "state_changed_at": when(r["state_changed_at"]),
    } for r in rows]


class TransitionLogSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    transition = serializers.CharField()
    reason = serializers.CharField()

    def get_actor(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else obj.actor_label


class ApplicationDetailOutputSerializer(ApplicationOutputSerializer):
    allowed_transitions = serializers.SerializerMethodField()
    credential_problems = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    reactivated_from = serializers.IntegerField(source="reactivated_from_id", allow_null=True)
    transitions = TransitionLogSerializer(many=True)

    def get_allowed_transitions(self, obj) -> list[str]:
        return services.allowed_transitions(obj, self.context["request"].user)

    def get_credential_problems(self, obj) -> list[dict]:
        return obj.credential_problems()

    def get_tags(self, obj) -> list[str]:
        return [t.name for t in obj.tags.all()]


class ApplicationFilterSerializer(StrictSerializer):
    job = serializers.IntegerField(required=False)
    department = serializers.IntegerField(required=False, help_text="includes its sub-departments")
    state = serializers.CharField(required=False, help_text="one stage or several, comma-separated")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    source = serializers.ChoiceField(choices=SourceChannel.choices, required=False)
    min_score = serializers.IntegerField(required=False, min_value=0, max_value=100)
    max_score = serializers.IntegerField(required=False, min_value=0, max_value=100)
    tag = serializers.CharField(required=False)
    candidate = serializers.IntegerField(required=False)
    search = serializers.CharField(required=False, help_text="candidate name, or exact phone / email / ID number")
    ordering = serializers.ChoiceField(choices=sorted(selectors.APPLICATION_ORDERINGS), required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)
    format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False)

    def validate_state(self, value):
        states = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in states if s not in State.values]
        if unknown:
            raise serializers.ValidationError(_("Unknown stage: %(states)s.") % {"states": ", ".join(unknown)})
        return states


def _application_filters(request) -> dict:
    filters = ApplicationFilterSerializer(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return dict(filters.validated_data)


class ApplicationListApi(APIView):
    """The screening queue, sortable by match score (R-PIPE-5); POST applies a known candidate to a job."""

    class InputSerializer(StrictSerializer):
        candidate = serializers.IntegerField()
        job = serializers.IntegerField()
        source = serializers.ChoiceField(choices=SourceChannel.choices, required=False)

    @extend_schema(parameters=[ApplicationFilterSerializer], responses=paginated(ApplicationListItemSerializer))
    def get(self, request):
        filters = _application_filters(request)
        filters.pop("format", None)
        rows, applications = selectors.application_list_values(user=request.user, filters=filters)
        paginator = Pagination()
        paginator.count_queryset = applications
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(application_list_rows(page))

    @extend_schema(request=InputSerializer, responses={201: ApplicationDetailOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        app = services.application_create(actor=request.user, candidate_id=v["candidate"], job_id=v["job"],
                                          source=v.get("source"))
        return Response(ApplicationDetailOutputSerializer(selectors.application_get(user=request.user, pk=app.pk),
                                                          context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(responses=ApplicationDetailOutputSerializer)
    def get(self, request, pk: int):
        app = selectors.application_get(user=request.user, pk=pk)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=app, detail="api detail", channel="api")
        return Response(ApplicationDetailOutputSerializer(app, context={"request": request}).data)


class ApplicationTransitionApi(APIView):
    """Move an application: 409 with the allowed moves when this one is not possible now (R-PIPE-2)."""

    class InputSerializer(StrictSerializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    @extend_schema(request=InputSerializer, responses=ApplicationDetailOutputSerializer,
                   description="Moves: " + ", ".join(TRANSITION_NAMES) + ". The application's "
                               "`allowed_transitions` lists those possible now; any other answers 409 with them.",
                   parameters=[OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                enum=list(TRANSITION_NAMES), description="the move")])
    def post(self, request, pk: int, name: str):
        selectors.application_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_transition(actor=request.user, application_id=pk, transition=name,
                                        reason=data.validated_data.get("reason", ""))
        return Response(ApplicationDetailOutputSerializer(selectors.application_get(user=request.user, pk=pk),
                                                          context={"request": request}).data)


class ApplicationReactivateApi(APIView):
    """From the talent pool into a new application for another job, history kept (R-PIPE-6)."""

    class InputSerializer(StrictSerializer):
        job = serializers.IntegerField()
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: ApplicationDetailOutputSerializer})
    def post(self, request, pk: int):
        selectors.application_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.talent_pool_reactivate(actor=request.user, application_id=pk, job_id=data.validated_data["job"],
                                              reason=data.validated_data.get("reason", ""))
        return Response(ApplicationDetailOutputSerializer(selectors.application_get(user=request.user, pk=new.pk),
                                                          context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ApplicationExportApi(APIView):
    @extend_schema(parameters=[ApplicationFilterSerializer], responses=binary(CSV, XLSX))
    def get(self, request):
        filters = _application_filters(request)
        fmt = filters.pop("format", "csv")
        return export_response(
            actor=request.user, rows=selectors.application_list(user=request.user, filters=filters),
            columns=APPLICATION_EXPORT_COLUMNS, fmt=fmt, basename="applications",
            object_type="candidates.application", detail=str(filters), channel="api")


class ApplicationStatesApi(APIView):
    """The application state machine, walked from the code: states, moves and a Mermaid diagram."""

    @extend_schema(responses=inline_serializer("StateMachine", {
        "states": serializers.JSONField(), "transitions": serializers.JSONField(), "mermaid": serializers.CharField()}))
    def get(self, request):
        graph = diagram.application_graph()
        return Response({"states": graph["states"], "transitions": graph["edges"], "mermaid": diagram.mermaid(graph)})


# -- credentials ----------------------------------------------------------------------------------

class CredentialFilterSerializer(StrictSerializer):
    candidate = serializers.IntegerField(required=False)
    type = serializers.ChoiceField(choices=CredentialType.choices, required=False)
    expires_before = serializers.DateField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class CredentialListApi(APIView):
    """Licences and certificates (R-HOSP-1); POST (JSON or multipart with a scan) adds one."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        candidate = serializers.IntegerField()
        type = serializers.ChoiceField(choices=CredentialType.choices)
        number = serializers.CharField(required=False, allow_blank=True, max_length=60)
        issuer = serializers.CharField(required=False, allow_blank=True, max_length=120)
        issued_on = serializers.DateField(required=False, allow_null=True)
        expires_on = serializers.DateField(required=False, allow_null=True)
        file = serializers.FileField(required=False)

    @extend_schema(parameters=[CredentialFilterSerializer], responses=paginated(CredentialOutputSerializer))
    def get(self, request):
        filters = CredentialFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return _paginate(self, request, selectors.credential_list(user=request.user, filters=filters.validated_data),
                         CredentialOutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: CredentialOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        upload = v.pop("file", None)
        selectors.candidate_get(user=request.user, pk=v["candidate"])
        cred = services.credential_add(
            actor=request.user, candidate_id=v.pop("candidate"), **v,
            file_data=read_upload(upload) if upload else None, file_name=upload.name if upload else "")
        return Response(CredentialOutputSerializer(cred).data, status=status.HTTP_201_CREATED)


class CredentialDetailApi(APIView):
    @extend_schema(responses=CredentialOutputSerializer)
    def get(self, request, pk: int):
        cred = selectors.credential_get(user=request.user, pk=pk)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=cred, detail="api detail", channel="api")
        return Response(CredentialOutputSerializer(cred).data)


class CredentialFileApi(APIView):
    @extend_schema(responses=binary(PDF, JPEG, PNG, OCTET_STREAM))
    def get(self, request, pk: int):
        return _file_response(request, selectors.credential_get(user=request.user, pk=pk), "file", "credential")


# -- talent pool ----------------------------------------------------------------------------------

class TalentPoolOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    candidate = serializers.IntegerField(source="candidate_id")
    candidate_name = serializers.CharField(source="candidate.name")
    application = serializers.IntegerField(source="application_id")
    job_title = serializers.CharField(source="application.job.title")
    match_score = serializers.IntegerField(source="application.match_score", allow_null=True)
    tags = serializers.SerializerMethodField()
    note = serializers.CharField()
    added_at = serializers.DateTimeField()
    reactivated_into = serializers.IntegerField(source="reactivated_into_id", allow_null=True)

    def get_tags(self, obj) -> list[str]:
        return [t.name for t in obj.tags.all()]


class TalentPoolFilterSerializer(StrictSerializer):
    tag = serializers.CharField(required=False)
    search = serializers.CharField(required=False)
    include_reactivated = serializers.BooleanField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class TalentPoolListApi(APIView):
    """Candidates kept for later, searchable by tag and name / phone / email / ID (R-PIPE-6)."""

    @extend_schema(parameters=[TalentPoolFilterSerializer], responses=paginated(TalentPoolOutputSerializer))
    def get(self, request):
        filters = TalentPoolFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return _paginate(self, request, selectors.talent_pool_list(user=request.user, filters=filters.validated_data),
                         TalentPoolOutputSerializer)


class TalentPoolTagApi(APIView):
    class InputSerializer(StrictSerializer):
        add = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
        remove = serializers.ListField(child=serializers.CharField(max_length=60), required=False)

    @extend_schema(request=InputSerializer, responses=TalentPoolOutputSerializer)
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.talent_pool_tag(actor=request.user, entry_id=pk, add=data.validated_data.get("add", []),
                                         remove=data.validated_data.get("remove", []))
        entry = selectors.talent_pool_list(user=request.user, filters={"include_reactivated": True}).get(pk=entry.pk)
        return Response(TalentPoolOutputSerializer(entry).data)
