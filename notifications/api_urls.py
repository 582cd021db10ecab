from django.urls import path

from . import api

urlpatterns = [
    path("integrations/twilio/status/", api.TwilioStatusCallbackApi.as_view(), name="twilio-status"),
    path("integrations/twilio/voice/gather/", api.TwilioVoiceGatherApi.as_view(), name="twilio-voice-gather"),
    path("notifications/", api.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/failed/", api.NotificationFailedListApi.as_view(), name="notification-failed"),
    path("notifications/evidence/", api.NotificationEvidenceApi.as_view(), name="notification-evidence"),
    path("notifications/<int:pk>/", api.NotificationDetailApi.as_view(), name="notification-detail"),
    path("notifications/<int:pk>/requeue/", api.NotificationRequeueApi.as_view(), name="notification-requeue"),
]
