from django.urls import path

from . import api

urlpatterns = [
    path("event-subscriptions/", api.SubscriptionListApi.as_view(), name="event-subscription-list"),
    path("event-subscriptions/<int:pk>/", api.SubscriptionDetailApi.as_view(), name="event-subscription-detail"),
    path("event-deliveries/", api.DeliveryListApi.as_view(), name="event-delivery-list"),
]
