"""Offers and onboarding cases over the API for staff, scoped like the admin (R-OFFER-1..4, R-INT-1, R-ONB-1,
R-ONB-2, R-SEC-1); every read of a case is logged (R-SEC-3). Thin: selectors read, services write."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.pagination import Pagination
from hrsys.api.schema import paginated
from hrsys.api.serializers import StrictSerializer
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.actors import require_perm

from . import selectors, services
from .models import CaseState, ChecklistItem, Offer, OnboardingCase

TRANSITIONS = ("submit", "send", "withdraw")


class OfferOutputSerializer(serializers.ModelSerializer):
    candidate = serializers.CharField(source="application.candidate.name")
    job = serializers.CharField(source="application.job.title")
    band_position = serializers.CharField()
    approvals = serializers.SerializerMethodField()
    # encrypted at rest (text columns): declared, so they stay decimals in the API and its schema (R-SEC-2)
    monthly_salary = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    expected_salary = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = Offer
        fields = ["id", "application", "candidate", "job", "state", "job_level", "monthly_salary", "currency",
                  "expected_salary", "start_date", "probation_months", "valid_until", "band_min", "band_mid",
                  "band_max", "band_position", "version", "document_sha256", "pdf_sha256", "sent_at",
                  "responded_at", "decline_reason", "withdraw_reason", "approvals", "created_at"]

    def get_approvals(self, offer) -> list[dict]:
        return [{"id": a.pk, "round": a.round, "step": a.step, "role": a.role, "approver": a.approver_id,
                 "decision": a.decision, "comment": a.comment, "decided_at": a.decided_at}
                for a in offer.approvals.all()]


class OfferListApi(APIView):
    class FilterSerializer(StrictSerializer):
        state = serializers.CharField(required=False)
        application = serializers.IntegerField(required=False)
        page = serializers.IntegerField(required=False)
        page_size = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=paginated(OfferOutputSerializer))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.offer_list(user=request.user, filters=filters.validated_data).prefetch_related("approvals")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(OfferOutputSerializer(page, many=True).data)


class OfferCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        application = serializers.IntegerField()
        monthly_salary = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
        start_date = serializers.DateField(required=False)
        valid_until = serializers.DateField(required=False)
        probation_months = serializers.IntegerField(required=False, min_value=0)
        job_level = serializers.CharField(required=False, allow_blank=True, max_length=40)
        template = serializers.IntegerField(required=False)
        note = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: OfferOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        offer = services.offer_draft(actor=request.user, application_id=v.pop("application"),
                                     template_id=v.pop("template", None), **v)
        return Response(OfferOutputSerializer(selectors.offer_get(user=request.user, pk=offer.pk)).data,
                        status=status.HTTP_201_CREATED)


class OfferDetailApi(APIView):
    class UpdateSerializer(StrictSerializer):
        monthly_salary = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
        start_date = serializers.DateField(required=False)
        valid_until = serializers.DateField(required=False)
        probation_months = serializers.IntegerField(required=False, min_value=0)
        job_level = serializers.CharField(required=False, allow_blank=True, max_length=40)
        working_hours = serializers.CharField(required=False, allow_blank=True, max_length=200)
        benefits = serializers.CharField(required=False, allow_blank=True)
        note = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(responses=OfferOutputSerializer)
    def get(self, request, pk: int):
        if not request.user.has_perm("onboarding.view_offer"):
            raise PermissionDenied
        offer = selectors.offer_get(user=request.user, pk=pk)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=offer, detail="api detail", channel="api")
        return Response(OfferOutputSerializer(offer).data)

    @extend_schema(request=UpdateSerializer, responses=OfferOutputSerializer)
    def patch(self, request, pk: int):
        selectors.offer_get(user=request.user, pk=pk)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.offer_update(actor=request.user, offer_id=pk, **data.validated_data)
        return Response(OfferOutputSerializer(selectors.offer_get(user=request.user, pk=pk)).data)


class OfferTransitionApi(APIView):
    """submit (into approval), send (letter + hash + message), withdraw (reason needed)."""

    class InputSerializer(StrictSerializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    @extend_schema(request=InputSerializer, responses=OfferOutputSerializer,
                   description="Moves: " + ", ".join(TRANSITIONS) + ". submit: a draft into approval (the hiring "
                               "manager, and the HR director above the band, for an urgent job or a level without "
                               "a band; each approver decides at `offer-approvals/{id}/decide/`); send: an approved "
                               "offer to the candidate, who accepts or declines in the candidate portal; withdraw: "
                               "needs `reason`. 409 when the offer's state does not allow the move.",
                   parameters=[OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(TRANSITIONS),
                                                description="the move")])
    def post(self, request, pk: int, name: str):
        selectors.offer_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if name == "submit":
            services.offer_submit(actor=request.user, offer_id=pk)
        elif name == "send":
            services.offer_send(actor=request.user, offer_id=pk)
        elif name == "withdraw":
            services.offer_withdraw(actor=request.user, offer_id=pk, reason=data.validated_data.get("reason", ""))
        else:
            raise serializers.ValidationError({"transition": [f"Unknown move {name}. Known: {', '.join(TRANSITIONS)}"]})
        return Response(OfferOutputSerializer(selectors.offer_get(user=request.user, pk=pk)).data)


class OfferApprovalDecideApi(APIView):
    class InputSerializer(StrictSerializer):
        decision = serializers.ChoiceField(choices=list(services.DECISIONS))
        comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    @extend_schema(request=InputSerializer, responses=OfferOutputSerializer)
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.offer_decide(actor=request.user, approval_id=pk, **data.validated_data)
        return Response(OfferOutputSerializer(Offer.objects.get(pk=approval.offer_id)).data)


class OfferVerifyApi(APIView):
    """Re-hash the stored letter, PDF, signature and signed copy: tampering is reported (R-OFFER-3)."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        offer = selectors.offer_get(user=request.user, pk=pk)
        return Response(services.offer_document_verify(offer))


# -- onboarding cases and checklist items (R-ONB-1, R-ONB-2) --------------------------------------------------

class ChecklistItemOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "category", "title", "owner_role", "owner", "due_date", "done_at", "done_by", "note"]


class CaseOutputSerializer(serializers.ModelSerializer):
    candidate_name = serializers.CharField(source="candidate.name")
    job = serializers.CharField(source="application.job.title")
    department_name = serializers.CharField(source="department.name")
    items_total = serializers.IntegerField()
    items_done = serializers.IntegerField()

    class Meta:
        model = OnboardingCase
        fields = ["id", "offer", "application", "candidate", "candidate_name", "job", "department",
                  "department_name", "start_date", "state", "items_total", "items_done", "created_at",
                  "completed_at", "cancel_reason"]


class CaseDetailOutputSerializer(CaseOutputSerializer):
    items = ChecklistItemOutputSerializer(many=True)

    class Meta(CaseOutputSerializer.Meta):
        fields = [*CaseOutputSerializer.Meta.fields, "items"]


class CaseListApi(APIView):
    class FilterSerializer(StrictSerializer):
        state = serializers.ChoiceField(choices=CaseState.choices, required=False)
        page = serializers.IntegerField(required=False)
        page_size = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=paginated(CaseOutputSerializer))
    def get(self, request):
        require_perm(request.user, "onboarding.view_onboardingcase")
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.onboarding_case_list(user=request.user, filters=filters.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CaseOutputSerializer(page, many=True).data)


def _case(request, pk, *, detail: str):
    """The case as the response shows it, its reading logged like any view of a person's file (R-SEC-3)."""
    qs = selectors.onboarding_case_list(user=request.user).prefetch_related("items")
    case = get_for_user_or_404(qs, request.user, pk=pk)
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=case, detail=detail, channel="api")
    return case


class CaseDetailApi(APIView):
    @extend_schema(responses=CaseDetailOutputSerializer)
    def get(self, request, pk: int):
        require_perm(request.user, "onboarding.view_onboardingcase")
        return Response(CaseDetailOutputSerializer(_case(request, pk, detail="api detail")).data)


class CaseRescheduleApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "OnboardingCaseRescheduleInput"

        start_date = serializers.DateField()

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer,
                   description="Move the start date: the checklist's due dates and the attendance account follow; "
                               "the candidate and HR are told. 409 once the new hire has started.")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.onboarding_case_reschedule(actor=request.user, case_id=pk,
                                            start_date=data.validated_data["start_date"])
        return Response(CaseDetailOutputSerializer(_case(request, pk, detail="api reschedule response")).data)


class CaseCancelApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "OnboardingCaseCancelInput"

        reason = serializers.CharField(max_length=300)

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer,
                   description="The hire will not start: the case closes and the attendance account is revoked.")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.onboarding_case_cancel(actor=request.user, case_id=pk, reason=data.validated_data["reason"])
        return Response(CaseDetailOutputSerializer(_case(request, pk, detail="api cancel response")).data)


class ChecklistItemCompleteApi(APIView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "ChecklistItemCompleteInput"

        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=ChecklistItemOutputSerializer,
                   description="Tick an item: its owner always may, others need the permission and the case in "
                               "their scope. Ticking a done item again changes nothing.")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.checklist_item_complete(actor=request.user, item_id=pk, note=data.validated_data["note"])
        return Response(ChecklistItemOutputSerializer(item).data)
