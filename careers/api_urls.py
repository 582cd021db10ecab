from django.urls import path

from . import api

# under /api/v1/public/ (hrsys/urls.py)
urlpatterns = [
    path("jobs/", api.PublicJobListApi.as_view(), name="public-job-list"),
    path("jobs/<int:pk>/", api.PublicJobDetailApi.as_view(), name="public-job-detail"),
    path("jobs/<int:pk>/applications/", api.PublicApplicationCreateApi.as_view(), name="public-application-create"),
]
