"""REST API of AI interviews under /api/v1/ (R-AI-1..7, R-PIPE-3).

The vendor endpoint ``integrations/ai-interviews/<vendor>/results/`` has no
session or token: the vendor's HMAC signature over the raw body authenticates
it, and it answers only "accepted" with our id of the delivery and whether it
was processed (a vendor can never read anything else back).
Every other endpoint is for staff, in their data scope (404 outside it).
"""

import hashlib
import mimetypes
import re
from functools import partial

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.api.errors import error_body
from hrsys.api.schema import AUDIO, IMAGE, OCTET_STREAM, PDF, VIDEO, ranged, validation_error_or
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.middleware import client_ip
from hrsys.core.ranges import note_viewing, ranged_response

from . import importer, selectors, services
from .adapters.base import DeliveryError, OversizedBody
from .adapters.generic import EXAMPLE_RESULT, EXAMPLE_STARTED, GenericResultSerializer
from .models import AIMedia, Delivery, RejectedDelivery, Vendor
from .webhook_vendors import active_vendor

LOGGED_HEADERS = ("Content-Type", "Content-Length", "User-Agent", "X-Hrsys-Delivery", "Vervoe-Event", "X-Request-Id")
SIGNATURE_HEADERS = ("X-Hrsys-Signature", "Vervoe-Signature")
_DIGEST = re.compile(r"((?:v1|hash)=)[0-9A-Za-z]+")


def headers_for_log(headers) -> dict:
    """The headers worth keeping for the integration admin; signature digests masked, nothing else secret."""
    out = {name: headers.get(name)[:200] for name in LOGGED_HEADERS if headers.get(name)}
    for name in SIGNATURE_HEADERS:
        if headers.get(name):
            out[name] = _DIGEST.sub(r"\1…", headers.get(name))[:200]
    return out


ACCEPTED = inline_serializer("AIDeliveryAccepted", {
    "status": serializers.CharField(help_text="always 'accepted'"),
    "duplicate": serializers.BooleanField(help_text="true when this delivery or result was known already"),
    "delivery": inline_serializer("AIDeliveryReceipt", {
        "id": serializers.IntegerField(help_text="our id of the stored delivery"),
        "status": serializers.ChoiceField(choices=Delivery.Status.choices,
                                          help_text="received: stored, processed shortly; processed; failed"),
    }),
})
ERROR = inline_serializer("AIDeliveryError", {"error": serializers.JSONField()})


class ResultIngestApi(APIView):
    """A vendor pushes an AI interview result or a candidate action (R-AI-1, R-AI-2, R-AI-3)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes: list = []  # never parsed by DRF: the signature covers the raw bytes

    @extend_schema(
        operation_id="ai_interview_results_ingest",
        summary="Push an AI interview result (vendor webhook)",
        description=(
            "Signed with the vendor's shared secret over the **raw body**. hrsys generic format: header "
            "`X-Hrsys-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + \".\" + body)>`, optional "
            "`X-Hrsys-Delivery: <id>` (retries reuse it). Vervoe: `Vervoe-Signature: t=<unix>,hash=<hex>` with the "
            "same HMAC and Vervoe's report-notification body. Timestamps older or newer than the vendor's tolerance "
            "(default 300 s) are refused. A verified delivery is stored and answered at once: **202** with our "
            "delivery id and status `received` (the result is processed shortly after, exactly once); a retry of "
            "a stored delivery, or a new delivery of a result already stored, answers **200** with "
            "`duplicate: true` and changes nothing. 400: malformed JSON, missing ids, unknown assessment id, scores outside the "
            "vendor's scale (nothing stored). 401: signature header missing or malformed. 403: wrong signature or "
            "stale timestamp. 404: unknown vendor. 413: body larger than the vendor's limit."),
        request={"application/json": GenericResultSerializer},
        parameters=[
            OpenApiParameter("X-Hrsys-Signature", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                             description="t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)> (generic format)"),
            OpenApiParameter("Vervoe-Signature", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                             description="t=<unix>,hash=<hex HMAC-SHA256(secret, t.body)> (Vervoe)"),
            OpenApiParameter("X-Hrsys-Delivery", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                             description="the vendor's delivery id; retries reuse it"),
        ],
        examples=[OpenApiExample("Result (generic format)", value=EXAMPLE_RESULT, request_only=True),
                  OpenApiExample("Candidate started (generic format)", value=EXAMPLE_STARTED, request_only=True)],
        responses={202: ACCEPTED, 200: ACCEPTED, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 413: ERROR},
        auth=[],
        tags=["integrations"],
    )
    def post(self, request, vendor: str):
        now = timezone.now()
        vendor_obj = active_vendor(vendor)
        if vendor_obj is None:
            return self._reject(request, None, vendor, b"", DeliveryError(
                _("Unknown AI interview vendor %(slug)s.") % {"slug": vendor[:40]}, code="unknown_vendor", status=404))
        limit = vendor_obj.max_body_bytes
        too_big = OversizedBody(_("The body is larger than %(n)d bytes.") % {"n": limit})
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return self._reject(request, vendor_obj, vendor, b"", too_big, size=declared)
        try:
            body = request._request.body
        except RequestDataTooBig:
            return self._reject(request, vendor_obj, vendor, b"", too_big, size=declared)
        if len(body) > limit:
            return self._reject(request, vendor_obj, vendor, b"", too_big, size=len(body))
        adapter = vendor_obj.adapter_instance()
        try:
            adapter.verify(headers=request.headers, body=body, now=now)
            parsed = adapter.parse(body, headers=request.headers)
            key = adapter.delivery_key(headers=request.headers, body=body, parsed=parsed)
            delivery, created = services.ai_delivery_receive(
                vendor=vendor_obj, parsed=parsed, body=body, headers=headers_for_log(request.headers),
                delivery_key=key, now=now, hand_over=False)
        except DeliveryError as exc:
            return self._reject(request, vendor_obj, vendor, body, exc)
        # 202: stored, processed by the worker; 200: known already (vendors stop retrying on any 2xx)
        response = Response({"status": "accepted", "duplicate": not created,
                             "delivery": {"id": delivery.pk, "status": delivery.status}},
                            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)
        if created:
            # Committed already (one INSERT in autocommit). Handed to the worker once the answer is written
            # (the WSGI server closes the response after sending it): publishing to the broker is a quarter of
            # the request's time and the vendor need not wait for it. A broker that is down, or a process that
            # dies in between, costs the vendor nothing either: the sweep hands the stored delivery over later.
            response._resource_closers.append(partial(services.ai_delivery_hand_over, delivery.pk))
        return response

    def _reject(self, request, vendor_obj, slug, body: bytes, exc: DeliveryError, size: int | None = None):
        RejectedDelivery.objects.create(
            vendor=vendor_obj, vendor_slug=slug[:60], status_code=exc.status, code=exc.code, reason=exc.message,
            headers=headers_for_log(request.headers), body_sha256=hashlib.sha256(body).hexdigest() if body else "",
            body_size=size if size is not None else len(body), remote_addr=client_ip(request))
        extra = {"fields": exc.fields} if exc.fields else {}
        return Response(error_body(exc.code, exc.message, **extra), status=exc.status)


# -- staff endpoints ---------------------------------------------------------------------------------


class InvitationCreateApi(APIView):
    """Invite an application to a vendor's AI interview (R-AI-7)."""

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AIInvitationCreateInput"

        application = serializers.IntegerField()
        vendor = serializers.SlugField()
        deadline = serializers.DateTimeField()
        assessment_id = serializers.CharField(max_length=120, required=False, allow_blank=True)
        candidate_url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
        starts_at = serializers.DateTimeField(required=False, help_text="an agreed time to take it; without one "
                                              "the candidate takes it any time before the deadline")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AIInvitationCreateOutput"

        id = serializers.IntegerField()
        application = serializers.IntegerField(source="application_id")
        vendor = serializers.CharField(source="vendor.slug")
        assessment_id = serializers.CharField()
        candidate_url = serializers.CharField()
        deadline = serializers.DateTimeField()
        status = serializers.CharField()
        notification = serializers.IntegerField(source="notification_id", allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, tags=["ai-interviews"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        invitation = services.ai_interview_invite(
            actor=request.user, application_id=v["application"], vendor_slug=v["vendor"], deadline=v["deadline"],
            assessment_id=v.get("assessment_id", ""), candidate_url=v.get("candidate_url", ""),
            starts_at=v.get("starts_at"))
        return Response(self.OutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class ResultOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.IntegerField(source="application_id")
    vendor = serializers.CharField(source="vendor.slug")
    vendor_result_id = serializers.CharField()
    overall_score = serializers.FloatField(allow_null=True)
    dimensions = serializers.SerializerMethodField()
    recommendation = serializers.CharField()
    decision = serializers.CharField()
    move_status = serializers.CharField()
    move_note = serializers.CharField()
    hold_until = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField()
    signals = serializers.JSONField()
    transcript = serializers.CharField()
    report_url = serializers.CharField(help_text="the vendor's report link (Vervoe: integrationCandidateCardUrl); "
                                                 "the stored copy is the `report` entry of `media`")
    media = serializers.SerializerMethodField()

    def get_dimensions(self, obj) -> list[dict]:
        return selectors.dimension_rows(obj)

    def get_media(self, obj) -> list[dict]:
        user = self.context["request"].user
        return [{"id": m.pk, "kind": m.kind, "status": m.status,
                 "url": reverse("api:ai-media-stream", kwargs={"pk": m.pk}) if m.status == AIMedia.Status.STORED
                 else None} for m in selectors.media_for_result(user=user, result_id=obj.pk)]


class ApplicationResultApi(APIView):
    """The latest AI interview result of an application, with scores by dimension (R-AI-4). Reading the
    transcript is logged."""

    @extend_schema(responses=ResultOutputSerializer, tags=["ai-interviews"])
    def get(self, request, pk: int):
        result = selectors.ai_result_for_application(user=request.user, application_id=pk)
        if result is None:
            raise Http404
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=result, detail="AI result with transcript",
                   channel="api")
        return Response(ResultOutputSerializer(result, context={"request": request}).data)


class FollowUpQuestionsApi(APIView):
    """Suggested follow-up questions for the next round, by weak or notable dimension (R-AI-4, R-PIPE-7)."""

    @extend_schema(responses=inline_serializer("AIFollowUps", {"results": serializers.JSONField()}),
                   tags=["ai-interviews"])
    def get(self, request, pk: int):
        if selectors.ai_result_for_application(user=request.user, application_id=pk) is None:
            raise Http404
        return Response({"results": selectors.follow_up_questions_for(user=request.user, application_id=pk)})


class QuestionAskedApi(APIView):
    """An interviewer records that a suggested question was asked (R-AI-5)."""

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AIQuestionAskedInput"

        question = serializers.IntegerField()
        interview = serializers.IntegerField(required=False, allow_null=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: inline_serializer("AIQuestionAsked", {
        "id": serializers.IntegerField()})}, tags=["ai-interviews"])
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        usage = services.question_usage_record(actor=request.user, application_id=pk, question_id=v["question"],
                                               interview_id=v.get("interview"), note=v.get("note", ""))
        return Response({"id": usage.pk}, status=status.HTTP_201_CREATED)


class ReviewQueueApi(APIView):
    """Dashboard to-do: borderline results waiting for HR, and rejections on hold (R-PIPE-3)."""

    @extend_schema(responses=inline_serializer("AIReviewQueue", {
        "borderline": ResultOutputSerializer(many=True), "held": ResultOutputSerializer(many=True)}),
        tags=["ai-interviews"])
    def get(self, request):
        ctx = {"request": request}
        borderline = selectors.borderline_results_to_review(user=request.user)[:200]
        held = selectors.held_rejections(user=request.user)[:200]
        return Response({"borderline": ResultOutputSerializer(borderline, many=True, context=ctx).data,
                         "held": ResultOutputSerializer(held, many=True, context=ctx).data})


class HoldCancelApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AIHoldCancelInput"

        reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    @extend_schema(request=InputSerializer, responses=ResultOutputSerializer, tags=["ai-interviews"])
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.ai_hold_cancel(actor=request.user, result_id=pk,
                                         reason=data.validated_data.get("reason", ""))
        return Response(ResultOutputSerializer(result, context={"request": request}).data)


class ReviewDecideApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AIReviewDecideInput"

        advance = serializers.BooleanField()
        reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    @extend_schema(request=InputSerializer, responses=inline_serializer("AIReviewDecided", {
        "application": serializers.IntegerField(), "state": serializers.CharField()}), tags=["ai-interviews"])
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        app = services.ai_review_decide(actor=request.user, result_id=pk, advance=v["advance"],
                                        reason=v.get("reason", ""))
        return Response({"application": app.pk, "state": app.state})


class MediaUploadApi(APIView):
    """Upload a recording or report for a result (R-AI-6)."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AIMediaUploadInput"

        kind = serializers.ChoiceField(choices=AIMedia.Kind.values)
        file = serializers.FileField()

    @extend_schema(request=InputSerializer, responses={201: inline_serializer("AIMediaUploaded", {
        "id": serializers.IntegerField(), "url": serializers.CharField()})}, tags=["ai-interviews"])
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > services.media_max_bytes():
            raise serializers.ValidationError({"file": [_("The file is too large.")]})
        media = services.ai_media_upload(actor=request.user, result_id=pk, kind=data.validated_data["kind"],
                                         data=upload.read(), filename=upload.name,
                                         content_type=getattr(upload, "content_type", "") or "")
        return Response({"id": media.pk, "url": reverse("api:ai-media-stream", kwargs={"pk": media.pk})},
                        status=status.HTTP_201_CREATED)


#: what ``mimetypes`` answers differently per platform (``.mpga``, ``.m4v``) or not at all
MEDIA_EXTENSIONS = {
    "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/aac": ".aac",
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/webm": ".webm", "audio/ogg": ".ogg",
    "video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov",
    "image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf",
}


def extension_for(content_type: str) -> str:
    """The file-name extension of a content type (``audio/mpeg`` -> ``.mp3``), ``""`` when unknown, so a
    downloaded file opens in the program that plays what it is, whatever the vendor's URL was named (R-AI-6)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return MEDIA_EXTENSIONS.get(kind) or mimetypes.guess_extension(kind) or ""


def _plays_inline(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith(("audio/", "video/")) or kind in ("application/pdf", "image/png", "image/jpeg")


class MediaStreamApi(APIView):
    """Stream a recording or report, decrypted, to a user whose scope includes the application; 404
    otherwise. Every view and download is written to the AccessLog (R-AI-6)."""

    @extend_schema(parameters=[OpenApiParameter("download", OpenApiTypes.BOOL, required=False)],
                   responses=ranged(AUDIO, VIDEO, PDF, IMAGE, OCTET_STREAM), tags=["ai-interviews"])
    def get(self, request, pk: int):
        media = (AIMedia.objects.for_user(request.user).filter(pk=pk, status=AIMedia.Status.STORED)
                 .select_related("result").first())
        if media is None or not media.file:
            raise Http404
        download = request.query_params.get("download") in ("1", "true", "yes")
        if download or note_viewing(user=request.user, obj=media):  # every download; a viewing once
            access_log(actor=request.user, kind=AccessLog.Kind.DOWNLOAD if download else AccessLog.Kind.VIEW,
                       obj=media, channel="api", detail=f"{media.kind} of AI result {media.result_id} "
                                                        f"(application {media.result.application_id})")
        with media.file.storage.open(media.file.name) as fh:
            data = fh.read()
        content_type = media.content_type or "application/octet-stream"
        response = ranged_response(request, data, content_type=content_type, as_attachment=download,
                                   filename=f"ai-{media.kind}-{media.result_id}{extension_for(content_type)}")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        if not _plays_inline(content_type):
            # a vendor's report page (HTML, SVG ...) shown from our origin must not run its scripts here
            response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        return response


AI_IMPORT_REPORT = inline_serializer("AIImportReport", {
    "rows": serializers.IntegerField(), "valid": serializers.IntegerField(), "errors": serializers.JSONField(),
    "ignored_columns": serializers.ListField(child=serializers.CharField()),
    "preview": serializers.JSONField(), "committed": serializers.BooleanField(),
    "created": serializers.IntegerField(), "duplicates": serializers.IntegerField()})


class ResultImportApi(APIView):
    """Import results from a vendor's Excel/CSV export: preview (default) or commit, all or nothing (R-AI-3)."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "AIResultImportInput"

        file = serializers.FileField()
        vendor = serializers.SlugField()
        commit = serializers.BooleanField(required=False, default=False)

    @extend_schema(request=InputSerializer, responses={
        200: AI_IMPORT_REPORT, 400: validation_error_or(AI_IMPORT_REPORT, "AIImportRefused")}, tags=["ai-interviews"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        vendor = Vendor.objects.filter(slug=v["vendor"]).first()
        if vendor is None:
            raise serializers.ValidationError({"vendor": [_("Unknown vendor.")]})
        upload = v["file"]
        if upload.size > 20 * 1024 * 1024:
            raise serializers.ValidationError({"file": [_("The file is larger than 20 MB.")]})
        report = importer.ai_results_import(actor=request.user, vendor=vendor, data=upload.read(),
                                            filename=upload.name, commit=v["commit"])
        code = status.HTTP_400_BAD_REQUEST if (v["commit"] and report.errors) else status.HTTP_200_OK
        return Response(report.as_dict(), status=code)
