"""REST API of interviews under /api/v1/ (R-SCHED-1..5, R-NS-6, R-NS-8, R-PIPE-7, R-SEC-1).

Reads go through selectors with the viewer's scope (404 outside it); every write
calls one service; errors use the platform's one format (400 naming fields, 409, 404).
Candidate-facing endpoints (``interviews/rebook/<token>/``) authenticate by the signed,
single-use token only.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.pagination import Pagination
from hrsys.api.schema import errors, paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.services import access_log

from . import feeds, selectors, services, tokens
from .ics import MAX_ICS_BYTES
from .models import BatchRun, InterviewFeedback, JoinProblem, Kind, Recommendation, State


class InterviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.IntegerField(source="application_id")
    candidate_name = serializers.CharField(source="application.candidate.name")
    job = serializers.IntegerField(source="application.job_id")
    job_title = serializers.CharField(source="application.job.title")
    kind = serializers.CharField()
    round = serializers.IntegerField(source="round_id", allow_null=True)
    state = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    interviewers = serializers.SerializerMethodField()
    room = serializers.IntegerField(source="room_id", allow_null=True)
    meeting_url = serializers.CharField()
    on_site = serializers.BooleanField()
    sequence = serializers.IntegerField()
    previous = serializers.IntegerField(source="previous_id", allow_null=True)
    no_show_at = serializers.DateTimeField(allow_null=True)

    def get_interviewers(self, obj) -> list[int]:
        return [u.pk for u in obj.interviewers.all()]


def _out(interview, code=status.HTTP_200_OK):
    return Response(InterviewOutputSerializer(interview).data, status=code)


class InterviewListApi(APIView):
    class FilterSerializer(StrictSerializer):
        state = serializers.ChoiceField(choices=State.choices, required=False)
        kind = serializers.ChoiceField(choices=Kind.choices, required=False)
        application = serializers.IntegerField(required=False)
        job = serializers.IntegerField(required=False)
        interviewer = serializers.IntegerField(required=False)
        starts_after = serializers.DateTimeField(required=False)
        starts_before = serializers.DateTimeField(required=False)
        page = serializers.IntegerField(required=False)
        page_size = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=paginated(InterviewOutputSerializer))
    def get(self, request):
        f = self.FilterSerializer(data=request.query_params.dict())
        f.is_valid(raise_exception=True)
        qs = selectors.interview_list(user=request.user, filters=f.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(InterviewOutputSerializer(page, many=True).data)


class InterviewCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        application = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.HUMAN)
        round = serializers.IntegerField(required=False, allow_null=True)
        starts_at = serializers.DateTimeField()
        interviewers = serializers.ListField(child=serializers.IntegerField(), required=False)
        room = serializers.IntegerField(required=False, allow_null=True)
        meeting_url = serializers.URLField(required=False, allow_blank=True, default="")
        duration_minutes = serializers.IntegerField(required=False, min_value=10, max_value=480)
        deadline = serializers.DateTimeField(required=False)

    @extend_schema(request=InputSerializer, responses={201: InterviewOutputSerializer})
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        interview = services.interview_schedule(
            actor=request.user, application_id=d["application"], kind=d["kind"], round_id=d.get("round"),
            starts_at=d["starts_at"], interviewer_ids=d.get("interviewers"), room_id=d.get("room"),
            meeting_url=d["meeting_url"], duration_minutes=d.get("duration_minutes"), deadline=d.get("deadline"))
        return _out(interview, status.HTTP_201_CREATED)


class InterviewDetailApi(APIView):
    @extend_schema(responses=InterviewOutputSerializer)
    def get(self, request, pk):
        interview = selectors.interview_get(user=request.user, pk=pk)
        access_log(actor=request.user, kind="view", obj=interview, channel="api")
        return _out(interview)


class InterviewRescheduleApi(APIView):
    class InputSerializer(StrictSerializer):
        starts_at = serializers.DateTimeField()
        interviewers = serializers.ListField(child=serializers.IntegerField(), required=False)
        room = serializers.IntegerField(required=False, allow_null=True)
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: InterviewOutputSerializer})
    def post(self, request, pk):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        new = services.interview_reschedule(actor=request.user, interview_id=pk, starts_at=d["starts_at"],
                                            interviewer_ids=d.get("interviewers"), room_id=d.get("room"),
                                            reason=d["reason"])
        return _out(new, status.HTTP_201_CREATED)


class InterviewCancelApi(APIView):
    class InputSerializer(StrictSerializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=InterviewOutputSerializer)
    def post(self, request, pk):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return _out(services.interview_cancel(actor=request.user, interview_id=pk, reason=s.validated_data["reason"]))


class InterviewAttendedApi(APIView):
    @extend_schema(request=None, responses=InterviewOutputSerializer)
    def post(self, request, pk):
        return _out(services.interview_mark_attended(actor=request.user, interview_id=pk))


class InterviewNoShowApi(APIView):
    class InputSerializer(StrictSerializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=InterviewOutputSerializer)
    def post(self, request, pk):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return _out(services.interview_mark_no_show(actor=request.user, interview_id=pk,
                                                    reason=s.validated_data["reason"]))


class FeedbackOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    interview = serializers.IntegerField(source="interview_id")
    interviewer = serializers.IntegerField(source="interviewer_id")
    scores = serializers.JSONField(help_text="{dimension key: 1..5}")
    recommendation = serializers.CharField()
    notes = serializers.CharField()
    draft = serializers.BooleanField(source="is_draft")
    submitted_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class FeedbackSubmitApi(APIView):
    """An interviewer's scorecard on their round (R-PIPE-7): a score from 1 to 5 per assessment dimension of the
    job, a recommendation and notes. ``submit: false`` saves a draft that may be incomplete and changed again;
    ``submit: true`` (the default) submits it, after which it is read-only (409). 409 too before the interview
    has started and on a cancelled, rescheduled or missed interview; 400 names the fields; 403 for anyone but
    the round's interviewers."""

    class InputSerializer(StrictSerializer):
        scores = serializers.DictField(child=serializers.JSONField(), required=False, default=dict,
                                       help_text="{dimension key: whole number 1..5}")
        recommendation = serializers.ChoiceField(choices=Recommendation.choices, required=False, allow_blank=True,
                                                 default="")
        notes = serializers.CharField(required=False, allow_blank=True, default="")
        submit = serializers.BooleanField(required=False, default=True)

    @extend_schema(request=InputSerializer, responses={201: FeedbackOutputSerializer, 200: FeedbackOutputSerializer})
    def post(self, request, pk):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        existed = InterviewFeedback.objects.filter(interview_id=pk, interviewer_id=request.user.pk).exists()
        fb = services.feedback_save(actor=request.user, interview_id=pk, **s.validated_data)
        return Response(FeedbackOutputSerializer(fb).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class EarlierFeedbackApi(APIView):
    """What this round's interviewer reads before it (R-PIPE-7, R-AI-4): the submitted scorecards of the
    application's earlier rounds and its AI interview results."""

    @extend_schema(responses=inline_serializer("EarlierFeedback", {
        "feedback": inline_serializer("EarlierScorecard", {
            "interview": serializers.IntegerField(), "round": serializers.CharField(),
            "interviewer": serializers.CharField(), "scores": serializers.JSONField(help_text="{dimension: 1..5}"),
            "recommendation": serializers.CharField(), "notes": serializers.CharField()}, many=True),
        "ai_results": inline_serializer("EarlierAIResult", {
            "interview": serializers.IntegerField(), "completed_at": serializers.DateTimeField(allow_null=True),
            "result": serializers.JSONField(help_text="overall score, decision, dimension scores")}, many=True)}))
    def get(self, request, pk):
        interview = selectors.interview_get(user=request.user, pk=pk)
        data = selectors.earlier_feedback(user=request.user, interview=interview)
        access_log(actor=request.user, kind="view", obj=interview, detail="earlier feedback", channel="api")
        return Response({
            "feedback": [{"interview": f.interview_id, "round": f.interview.title, "interviewer": str(f.interviewer),
                          "scores": f.scores, "recommendation": f.recommendation, "notes": f.notes}
                         for f in data["feedback"]],
            "ai_results": [{**r, "completed_at": r["completed_at"]} for r in data["ai_results"]],
        })


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    interviewers = serializers.ListField(child=serializers.IntegerField(), help_text="user ids, all free then")
    room = serializers.IntegerField(allow_null=True)
    round = serializers.IntegerField(help_text="the job's interview round the slot is for")


class SlotProposeApi(APIView):
    """Free slots for an application's next round (or ``round``), earliest first: every interviewer of the round
    (or ``interviewers``), a room when ``rooms`` are given and the candidate free, within working time, busy blocks
    and daily limits (R-SCHED-1, R-SCHED-3). Book one with ``interviews/schedule/`` as it is."""

    class InputSerializer(StrictSerializer):
        application = serializers.IntegerField()
        round = serializers.IntegerField(required=False, allow_null=True)
        interviewers = serializers.ListField(child=serializers.IntegerField(), required=False)
        rooms = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        days = serializers.IntegerField(required=False, min_value=1, max_value=30, default=10)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=5)

    @extend_schema(request=InputSerializer,
                   responses=inline_serializer("SlotProposals", {"slots": SlotSerializer(many=True)}))
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        slots = selectors.slots_propose(user=request.user, application_id=d["application"], round_id=d.get("round"),
                                        interviewer_ids=d.get("interviewers"), room_ids=d["rooms"], days=d["days"],
                                        limit=d["limit"])
        return Response({"slots": slots})


class BatchScheduleApi(APIView):
    class InputSerializer(StrictSerializer):
        job = serializers.IntegerField()
        round = serializers.IntegerField()
        applications = serializers.ListField(child=serializers.IntegerField(), max_length=5000)
        period_start = serializers.DateTimeField()
        period_end = serializers.DateTimeField()
        panel = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        panel_pick = serializers.IntegerField(required=False, default=1)
        required = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        rooms = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    @extend_schema(request=InputSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        run = services.batch_schedule_start(
            actor=request.user, job_id=d["job"], round_id=d["round"], application_ids=d["applications"],
            period_start=d["period_start"], period_end=d["period_end"], panel=d["panel"],
            panel_pick=d["panel_pick"], required=d["required"], room_ids=d["rooms"])
        return Response(_run(run), status=status.HTTP_202_ACCEPTED)


def _run(run):
    return {"id": run.pk, "status": run.status, "total": run.total, "done": run.done, "placed": run.placed,
            "unplaced": run.unplaced, "finished_at": run.finished_at}


class BatchRunDetailApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        return Response(_run(get_for_user_or_404(BatchRun, request.user, pk=pk)))


class BusyBlockCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        user = serializers.IntegerField()
        starts_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    @extend_schema(request=InputSerializer, responses={201: inline_serializer("BusyBlockCreated", {
        "id": serializers.IntegerField(), "user": serializers.IntegerField(),
        "starts_at": serializers.DateTimeField(), "ends_at": serializers.DateTimeField()})})
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        block = services.busy_block_create(actor=request.user, user_id=d["user"], starts_at=d["starts_at"],
                                           ends_at=d["ends_at"], note=d["note"])
        return Response({"id": block.pk, "user": block.user_id, "starts_at": block.starts_at,
                         "ends_at": block.ends_at}, status=status.HTTP_201_CREATED)


class BusyBlockImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        user = serializers.IntegerField()
        file = serializers.FileField()

    @extend_schema(request=InputSerializer, responses={201: inline_serializer("BusyBlocksImported", {
        "imported": serializers.IntegerField()})})
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data["file"]
        if upload.size > MAX_ICS_BYTES:
            raise serializers.ValidationError({"file": [_("The calendar file is larger than 2 MB.")]})
        blocks = services.busy_blocks_import_ics(actor=request.user, user_id=s.validated_data["user"],
                                                 data=upload.read())
        return Response({"imported": len(blocks)}, status=status.HTTP_201_CREATED)


class NoShowTodoApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        qs = selectors.no_shows_to_handle(user=request.user)
        return Response({"count": qs.count(), "results": InterviewOutputSerializer(qs[:200], many=True).data})


class JoinProblemResolveApi(APIView):
    class InputSerializer(StrictSerializer):
        resolution = serializers.ChoiceField(choices=[c for c in JoinProblem.Resolution.choices if c[0]])
        starts_at = serializers.DateTimeField(required=False)
        room = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        problem = services.join_problem_resolve(actor=request.user, problem_id=pk, resolution=d["resolution"],
                                                starts_at=d.get("starts_at"), room_id=d.get("room"))
        return Response({"id": problem.pk, "resolution": problem.resolution})


class RebookApi(APIView):
    """Candidate-facing: the offered slots, and picking one; the signed single-use token is the credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser]

    class InputSerializer(StrictSerializer):
        starts_at = serializers.DateTimeField()

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, token):
        offer = services.rebooking_offer_for_token(token)
        return Response({"status": offer.status, "expires_at": offer.expires_at, "slots": offer.slots,
                         "job_title": offer.interview.application.job.title})

    @extend_schema(request=InputSerializer, responses={201: OpenApiTypes.OBJECT, **errors(409)})
    def post(self, request, token):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        interview = services.rebooking_book(token=token, starts_at=s.validated_data["starts_at"])
        return Response({"interview": interview.pk, "starts_at": interview.starts_at}, status=status.HTTP_201_CREATED)


class CouldNotJoinApi(APIView):
    """Candidate-facing technical-problem report (R-NS-8); the signed link is the credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(StrictSerializer):
        reason = serializers.ChoiceField(choices=JoinProblem.Reason.choices)
        detail = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: OpenApiTypes.OBJECT, **errors(409)})
    def post(self, request, token):

        data = tokens.read(token, "join")
        if data is None:
            raise Http404
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        problem = services.interview_report_could_not_join(interview_id=data["i"], channel="api",
                                                           **s.validated_data)
        return Response({"id": problem.pk}, status=status.HTTP_201_CREATED)


class FeedTokenOutputSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    url = serializers.SerializerMethodField()
    webcal_url = serializers.SerializerMethodField()

    def get_url(self, profile) -> str:
        return feeds.feed_url(profile)

    def get_webcal_url(self, profile) -> str:
        return feeds.feed_webcal_url(profile)


class FeedTokenUserSerializer(StrictSerializer):
    user = serializers.IntegerField(required=False, help_text="another interviewer (HR, within scope); "
                                                              "default: yourself")


class FeedTokenApi(APIView):
    """The private calendar feed address of the caller (or, for HR, of an interviewer in scope)."""

    @extend_schema(parameters=[FeedTokenUserSerializer], responses=FeedTokenOutputSerializer)
    def get(self, request):
        s = FeedTokenUserSerializer(data=request.query_params)
        s.is_valid(raise_exception=True)
        profile = feeds.feed_profile_get(user=request.user, user_id=s.validated_data.get("user"))
        return Response(FeedTokenOutputSerializer(profile).data)


class FeedTokenRotateApi(APIView):
    """A new secret calendar feed address; the old one answers 404 from now on (R-SEC-3).

    Yourself, or (HR with ``interviews.change_interviewerprofile``) an interviewer within your scope:
    404 outside the scope, 403 inside it without the permission. Audited without the token.
    """

    @extend_schema(request=FeedTokenUserSerializer,
                   responses={200: FeedTokenOutputSerializer, 403: None, 404: None},
                   summary="Rotate the calendar feed token")
    def post(self, request):
        s = FeedTokenUserSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        profile = feeds.feed_token_rotate(actor=request.user, user_id=s.validated_data.get("user"))
        return Response(FeedTokenOutputSerializer(profile).data)
