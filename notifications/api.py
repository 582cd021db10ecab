import hashlib

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.errors import error_body
from hrsys.api.pagination import Pagination
from hrsys.api.schema import CSV, DOCX, PDF, binary, errors, paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.documents import docx_to_pdf

from . import selectors, services
from .channels.twilio_voice import voice_language
from .evidence import content_digest, evidence_csv, evidence_docx
from .models import CandidateAction, Channel, Notification, Status
from .rendering import render_message


def twilio_signature_valid(request) -> bool:
    """X-Twilio-Signature over the public URL Twilio called (PUBLIC_BASE_URL + path + query)."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.META.get("HTTP_X_TWILIO_SIGNATURE", "")
    if not token or not signature:
        return False
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST.dict(), signature)


def _forbidden():
    return Response(error_body("invalid_signature", _("The request signature is not valid.")),
                    status=status.HTTP_403_FORBIDDEN)


class _TwilioWebhook(APIView):
    """Machine client: authenticated by its signature, no session, no token, no CSRF."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser]


class TwilioStatusCallbackApi(_TwilioWebhook):
    """Twilio message / call status callbacks (R-NS-4). Replays and out-of-order callbacks change nothing."""

    @extend_schema(request=inline_serializer("TwilioStatusCallback", {
        "MessageSid": serializers.CharField(required=False), "MessageStatus": serializers.CharField(required=False),
        "CallSid": serializers.CharField(required=False), "CallStatus": serializers.CharField(required=False),
    }), responses={204: None, 403: None}, auth=[])
    def post(self, request):
        if not twilio_signature_valid(request):
            return _forbidden()
        services.twilio_callback_record(params=request.POST.dict(), token=request.GET.get("n", ""))
        return HttpResponse(status=204)


class TwilioVoiceGatherApi(_TwilioWebhook):
    """The keypress on a reminder call: 1 confirms, 2 asks to reschedule; answers TwiML."""

    @extend_schema(request=inline_serializer("TwilioGather", {
        "CallSid": serializers.CharField(), "Digits": serializers.CharField(required=False),
    }), responses={(200, "application/xml"): str, 403: None}, auth=[])
    def post(self, request):
        if not twilio_signature_valid(request):
            return _forbidden()
        notification, action = services.voice_gather_record(params=request.POST.dict(),
                                                            token=request.GET.get("n", ""))
        response = VoiceResponse()
        if notification is not None:
            key = {CandidateAction.Kind.CONFIRM: "voice_confirmed",
                   CandidateAction.Kind.RESCHEDULE: "voice_reschedule"}.get(action.kind, "voice_menu")
            _subject, text, _html = render_message(key=key, language=notification.language, channel="voice",
                                                   context={"recipient_name": notification.recipient_name})
            response.say(text, language=voice_language(notification.language))
        response.hangup()
        return HttpResponse(str(response), content_type="application/xml")


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    recipient_type = serializers.CharField()
    recipient_id = serializers.CharField()
    recipient_name = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    template_key = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    subject = serializers.CharField()
    due_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    read_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)
    attempt_count = serializers.IntegerField()
    last_error_code = serializers.CharField()
    last_error = serializers.CharField()
    provider_message_id = serializers.CharField()
    department = serializers.IntegerField(source="department_id", allow_null=True)
    related_type = serializers.CharField()
    related_id = serializers.CharField()


class NotificationDetailOutputSerializer(NotificationOutputSerializer):
    body = serializers.CharField(source="visible_body")
    attempts = serializers.SerializerMethodField()

    def get_attempts(self, obj) -> list[dict]:
        return [{"number": a.number, "started_at": a.started_at, "finished_at": a.finished_at,
                 "outcome": a.outcome, "error_code": a.error_code, "provider_message_id": a.provider_message_id}
                for a in obj.attempts.all()]


class NotificationFilterSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    template_key = serializers.CharField(required=False)
    recipient_type = serializers.CharField(required=False)
    recipient_id = serializers.CharField(required=False)
    related_type = serializers.CharField(required=False)
    related_id = serializers.CharField(required=False)
    candidate = serializers.IntegerField(required=False, min_value=1,
                                         help_text="messages to this candidate (none if outside your scope)")
    search = serializers.CharField(required=False, max_length=200,
                                   help_text="candidate name, or exact phone / email / ID number")
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class NotificationListApi(APIView):
    """Notifications within the viewer's departments, searchable by the candidate (R-NS-4, R-UI-2, R-SEC-1)."""

    @extend_schema(parameters=[NotificationFilterSerializer], responses=paginated(NotificationOutputSerializer))
    def get(self, request):
        filters = NotificationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.notification_list(user=request.user, filters=filters.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(NotificationOutputSerializer(page, many=True).data)


class NotificationFailedListApi(APIView):
    """Failed notifications: the HR to-do list."""

    @extend_schema(responses=paginated(NotificationOutputSerializer))
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.failed_notifications(user=request.user), request, view=self)
        return paginator.get_paginated_response(NotificationOutputSerializer(page, many=True).data)


class NotificationDetailApi(APIView):
    @extend_schema(responses=NotificationDetailOutputSerializer)
    def get(self, request, pk: int):
        notification = get_for_user_or_404(Notification, request.user, pk=pk)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=notification, detail="api detail",
                   channel="api")
        return Response(NotificationDetailOutputSerializer(notification).data)


class NotificationRequeueApi(APIView):
    """Send a failed notification again (after HR fixed the cause)."""

    @extend_schema(request=None, responses={201: NotificationOutputSerializer})
    def post(self, request, pk: int):
        notification = get_for_user_or_404(Notification, request.user, pk=pk)
        if not request.user.has_perm("notifications.change_notification"):
            raise Http404
        copy = services.notification_requeue(notification_id=notification.pk, actor=request.user)
        return Response(NotificationOutputSerializer(copy).data, status=status.HTTP_201_CREATED)


class EvidenceFilterSerializer(StrictSerializer):
    recipient_type = serializers.CharField(max_length=60)
    recipient_id = serializers.CharField(max_length=64)
    format = serializers.ChoiceField(choices=["csv", "docx", "pdf"], default="docx")


class PdfUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "pdf_unavailable"
    default_detail = gettext_lazy("The PDF could not be produced on this server (LibreOffice is missing or "
                                  "failed); download the Word (DOCX) report instead.")


def evidence_response(*, user, recipient_type: str, recipient_id: str, fmt: str, channel: str):
    """The evidence file for one person, within the viewer's scope, logged (R-NS-4, R-SEC-3).
    Nobody visible: 404 (the same answer as for a person who does not exist)."""
    events = selectors.evidence_events(user=user, recipient_type=recipient_type, recipient_id=recipient_id)
    if not any(e["kind"] == "notification" for e in events):
        raise Http404
    name = next((n.recipient_name for n in Notification.objects.for_user(user)
                 .for_recipient(recipient_type, recipient_id)[:1]), "")
    title = _("Notification evidence: %(name)s (%(type)s #%(id)s)") % {
        "name": name, "type": recipient_type, "id": recipient_id}
    if fmt == "csv":
        data, ctype = evidence_csv(events, title=title), "text/csv; charset=utf-8"
    elif fmt == "pdf":
        data = docx_to_pdf(evidence_docx(events, title=title, generated_by=str(user)))
        if data is None:
            raise PdfUnavailable
        ctype = "application/pdf"
    else:
        data = evidence_docx(events, title=title, generated_by=str(user))
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    file_digest = hashlib.sha256(data).hexdigest()
    digest = content_digest(events)
    access_log(actor=user, kind=AccessLog.Kind.EXPORT, obj=(recipient_type, recipient_id),
               detail=f"notification evidence {fmt} {len(events)} events content-sha256={digest} "
                      f"file-sha256={file_digest}", channel=channel)
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = (f'attachment; filename="evidence-{recipient_type.replace(".", "-")}-'
                                       f'{recipient_id}.{fmt}"')
    response["X-Evidence-SHA256"] = digest
    response["X-File-SHA256"] = file_digest
    return response


class NotificationEvidenceApi(APIView):
    """Evidence that the employer informed a person: CSV, DOCX or PDF, with a SHA-256 (R-NS-4)."""

    @extend_schema(parameters=[EvidenceFilterSerializer], responses={**binary(CSV, DOCX, PDF), **errors(404, 503)})
    def get(self, request):
        filters = EvidenceFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return evidence_response(user=request.user, recipient_type=data["recipient_type"],
                                 recipient_id=data["recipient_id"], fmt=data["format"], channel="api")
