"""Event subscriptions over the API (R-INT-2): ``/api/v1/event-subscriptions/``, and their delivery log
(``/api/v1/event-deliveries/?subscription=<id>``).

The HR director and the system administrator (``events.*``), each within their organisations (the data
scope); the secret is write-only (never in an answer); bad input is a 400 naming the fields.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.pagination import Pagination
from hrsys.api.schema import paginated
from hrsys.api.serializers import StrictSerializer

from . import services
from .models import Delivery, DeliveryStatus, Subscription
from .types import EVENT_TYPES


def _require(user, perm):
    if not user.has_perm(perm):
        raise PermissionDenied(perm)


class SubscriptionOutputSerializer(serializers.ModelSerializer):
    organisation_id = serializers.IntegerField()
    event_types = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Subscription
        fields = ("id", "organisation_id", "name", "url", "event_types", "active", "created_at", "updated_at")


class SubscriptionInputSerializer(StrictSerializer):
    organisation_id = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(max_length=500)
    secret = serializers.CharField(write_only=True, min_length=16, max_length=500,
                                   help_text="write-only: signs every delivery; never returned")
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=list(EVENT_TYPES)), allow_empty=False)
    active = serializers.BooleanField(default=True)


class SubscriptionUpdateSerializer(SubscriptionInputSerializer):
    """Every field optional; ``secret`` only to replace it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class SubscriptionListApi(APIView):
    """The subscriptions of the viewer's organisations; POST adds one."""

    @extend_schema(responses=paginated(SubscriptionOutputSerializer))
    def get(self, request):
        _require(request.user, "events.view_subscription")
        qs = Subscription.objects.for_user(request.user).order_by("pk")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(SubscriptionOutputSerializer(page, many=True).data)

    @extend_schema(request=SubscriptionInputSerializer, responses={201: SubscriptionOutputSerializer})
    def post(self, request):
        _require(request.user, "events.add_subscription")
        data = SubscriptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_create(actor=request.user, **data.validated_data)
        return Response(SubscriptionOutputSerializer(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetailApi(APIView):
    @extend_schema(responses=SubscriptionOutputSerializer)
    def get(self, request, pk: int):
        _require(request.user, "events.view_subscription")
        return Response(SubscriptionOutputSerializer(get_for_user_or_404(Subscription, request.user, pk=pk)).data)

    @extend_schema(request=SubscriptionUpdateSerializer, responses=SubscriptionOutputSerializer)
    def patch(self, request, pk: int):
        get_for_user_or_404(Subscription, request.user, pk=pk)
        _require(request.user, "events.change_subscription")
        data = SubscriptionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_update(actor=request.user, subscription_id=pk, **data.validated_data)
        return Response(SubscriptionOutputSerializer(subscription).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        get_for_user_or_404(Subscription, request.user, pk=pk)
        _require(request.user, "events.delete_subscription")
        services.subscription_delete(actor=request.user, subscription_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryOutputSerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(help_text="the event's id, also the X-Hrsys-Event-Id header of the request")
    event_type = serializers.CharField(source="event.type")
    occurred_at = serializers.DateTimeField(source="event.occurred_at")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    replay_of = serializers.IntegerField(source="replay_of_id", allow_null=True)

    class Meta:
        model = Delivery
        fields = ("id", "event_id", "event_type", "occurred_at", "status", "attempt_count", "max_attempts",
                  "next_attempt_at", "last_status_code", "last_error", "delivered_at", "replay_of", "created_at")


class DeliveryFilterSerializer(StrictSerializer):
    subscription = serializers.IntegerField(required=False, help_text="one subscription's deliveries")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
    event_type = serializers.ChoiceField(choices=list(EVENT_TYPES), required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class DeliveryListApi(APIView):
    """The delivery log of the subscriptions of the viewer's organisations, newest first: each event sent to a
    subscription, its status (pending, sending, delivered, failed), the attempts made and the last answer's code
    or error (R-INT-2). The payloads are not repeated here (they carry ids only, see docs/events.md). A
    ``subscription`` outside the viewer's organisations lists nothing; 403 without ``events.view_subscription``."""

    @extend_schema(parameters=[DeliveryFilterSerializer], responses=paginated(DeliveryOutputSerializer))
    def get(self, request):
        _require(request.user, "events.view_subscription")
        filters = DeliveryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        v = filters.validated_data
        qs = Delivery.objects.for_user(request.user).select_related("event")
        if "subscription" in v:
            qs = qs.filter(subscription_id=v["subscription"])
        if "status" in v:
            qs = qs.filter(status=v["status"])
        if "event_type" in v:
            qs = qs.filter(event__type=v["event_type"])
        paginator = Pagination()
        page = paginator.paginate_queryset(qs.order_by("-created_at", "-pk"), request, view=self)
        return paginator.get_paginated_response(DeliveryOutputSerializer(page, many=True).data)
