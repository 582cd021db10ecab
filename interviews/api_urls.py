from django.urls import path

from . import api, config_api

urlpatterns = [
    path("interviews/", api.InterviewListApi.as_view(), name="interview-list"),
    path("interviews/schedule/", api.InterviewCreateApi.as_view(), name="interview-schedule"),
    path("interviews/propose/", api.SlotProposeApi.as_view(), name="interview-propose"),
    path("interviews/batch/", api.BatchScheduleApi.as_view(), name="interview-batch"),
    path("interviews/batch/<int:pk>/", api.BatchRunDetailApi.as_view(), name="interview-batch-detail"),
    path("interviews/no-shows/", api.NoShowTodoApi.as_view(), name="interview-no-shows"),
    path("interviews/busy-blocks/", api.BusyBlockCreateApi.as_view(), name="busy-block-create"),
    path("interviews/busy-blocks/import/", api.BusyBlockImportApi.as_view(), name="busy-block-import"),
    path("interviews/feed-token/", api.FeedTokenApi.as_view(), name="feed-token"),
    path("interviews/feed-token/rotate/", api.FeedTokenRotateApi.as_view(), name="feed-token-rotate"),
    path("interviews/join-problems/<int:pk>/resolve/", api.JoinProblemResolveApi.as_view(),
         name="join-problem-resolve"),
    path("interviews/rebook/<str:token>/", api.RebookApi.as_view(), name="interview-rebook"),
    path("interviews/could-not-join/<str:token>/", api.CouldNotJoinApi.as_view(), name="interview-could-not-join"),
    # configuration (R-INT-4)
    path("interviews/reminder-policies/", config_api.ReminderPolicyListApi.as_view(), name="reminder-policy-list"),
    path("interviews/reminder-policies/<int:pk>/", config_api.ReminderPolicyDetailApi.as_view(),
         name="reminder-policy-detail"),
    path("interviews/rooms/", config_api.RoomListApi.as_view(), name="room-list"),
    path("interviews/rooms/<int:pk>/", config_api.RoomDetailApi.as_view(), name="room-detail"),
    path("interviews/<int:pk>/", api.InterviewDetailApi.as_view(), name="interview-detail"),
    path("interviews/<int:pk>/reschedule/", api.InterviewRescheduleApi.as_view(), name="interview-reschedule"),
    path("interviews/<int:pk>/cancel/", api.InterviewCancelApi.as_view(), name="interview-cancel"),
    path("interviews/<int:pk>/attended/", api.InterviewAttendedApi.as_view(), name="interview-attended"),
    path("interviews/<int:pk>/no-show/", api.InterviewNoShowApi.as_view(), name="interview-no-show"),
    path("interviews/<int:pk>/feedback/", api.FeedbackSubmitApi.as_view(), name="interview-feedback"),
    path("interviews/<int:pk>/earlier-feedback/", api.EarlierFeedbackApi.as_view(), name="interview-earlier-feedback"),
]
