from django.urls import path

from . import api, config_api

urlpatterns = [
    path("integrations/ai-interviews/<slug:vendor>/results/", api.ResultIngestApi.as_view(), name="ai-result-ingest"),
    path("ai-interviews/invitations/", api.InvitationCreateApi.as_view(), name="ai-invitation-create"),
    path("ai-interviews/applications/<int:pk>/result/", api.ApplicationResultApi.as_view(), name="ai-application-result"),
    path("ai-interviews/applications/<int:pk>/follow-up-questions/", api.FollowUpQuestionsApi.as_view(),
         name="ai-follow-up-questions"),
    path("ai-interviews/applications/<int:pk>/questions-asked/", api.QuestionAskedApi.as_view(),
         name="ai-question-asked"),
    path("ai-interviews/review-queue/", api.ReviewQueueApi.as_view(), name="ai-review-queue"),
    path("ai-interviews/results/<int:pk>/hold/cancel/", api.HoldCancelApi.as_view(), name="ai-hold-cancel"),
    path("ai-interviews/results/<int:pk>/review/", api.ReviewDecideApi.as_view(), name="ai-review-decide"),
    path("ai-interviews/results/<int:pk>/media/", api.MediaUploadApi.as_view(), name="ai-media-upload"),
    path("ai-interviews/media/<int:pk>/", api.MediaStreamApi.as_view(), name="ai-media-stream"),
    path("ai-interviews/imports/", api.ResultImportApi.as_view(), name="ai-result-import"),
]
urlpatterns += [
    path("ai-interviews/vendors/", config_api.VendorListApi.as_view(), name="ai-vendor-list"),
    path("ai-interviews/vendors/<int:pk>/", config_api.VendorDetailApi.as_view(), name="ai-vendor-detail"),
    path("ai-interviews/job-policies/", config_api.JobAIPolicyListApi.as_view(), name="ai-job-policy-list"),
    path("ai-interviews/job-policies/<int:pk>/", config_api.JobAIPolicyDetailApi.as_view(),
         name="ai-job-policy-detail"),
    path("ai-interviews/questions/", config_api.QuestionListApi.as_view(), name="ai-question-list"),
    path("ai-interviews/questions/<int:pk>/", config_api.QuestionDetailApi.as_view(), name="ai-question-detail"),
]
