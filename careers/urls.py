from django.urls import path

from . import views

app_name = "careers"
urlpatterns = [
    path("", views.index, name="index"),
    path("privacy/", views.privacy, name="privacy"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/apply/", views.apply, name="apply"),
    path("jobs/<int:pk>/applied/", views.applied, name="applied"),
    path("<slug:code>/", views.organization, name="organization"),  # last: an organisation's code
]
