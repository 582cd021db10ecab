from django.urls import path

from . import api

urlpatterns = [
    path("jobs/", api.JobListApi.as_view(), name="job-list"),
    path("jobs/<int:pk>/", api.JobDetailApi.as_view(), name="job-detail"),
    path("candidates/", api.CandidateListApi.as_view(), name="candidate-list"),
    path("candidates/export/", api.CandidateExportApi.as_view(), name="candidate-export"),
    path("candidates/import/", api.CandidateImportApi.as_view(), name="candidate-import"),
    path("candidates/<int:pk>/", api.CandidateDetailApi.as_view(), name="candidate-detail"),
    path("candidates/<int:pk>/merge/", api.CandidateMergeApi.as_view(), name="candidate-merge"),
    path("candidates/<int:pk>/timeline/", api.CandidateTimelineApi.as_view(), name="candidate-timeline"),
    path("candidates/<int:pk>/resumes/", api.ResumeUploadApi.as_view(), name="resume-upload"),
    path("resumes/<int:pk>/", api.ResumeDetailApi.as_view(), name="resume-detail"),
    path("resumes/<int:pk>/confirm/", api.ResumeConfirmApi.as_view(), name="resume-confirm"),
    path("resumes/<int:pk>/file/", api.ResumeFileApi.as_view(), name="resume-file"),
    path("applications/", api.ApplicationListApi.as_view(), name="application-list"),
    path("applications/export/", api.ApplicationExportApi.as_view(), name="application-export"),
    path("applications/states/", api.ApplicationStatesApi.as_view(), name="application-states"),
    path("applications/<int:pk>/", api.ApplicationDetailApi.as_view(), name="application-detail"),
    path("applications/<int:pk>/transitions/<slug:name>/", api.ApplicationTransitionApi.as_view(),
         name="application-transition"),
    path("applications/<int:pk>/reactivate/", api.ApplicationReactivateApi.as_view(), name="application-reactivate"),
    path("credentials/", api.CredentialListApi.as_view(), name="credential-list"),
    path("credentials/<int:pk>/", api.CredentialDetailApi.as_view(), name="credential-detail"),
    path("credentials/<int:pk>/file/", api.CredentialFileApi.as_view(), name="credential-file"),
    path("talent-pool/", api.TalentPoolListApi.as_view(), name="talent-pool-list"),
    path("talent-pool/<int:pk>/tags/", api.TalentPoolTagApi.as_view(), name="talent-pool-tags"),
]
