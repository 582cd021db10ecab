"""Pages without staff login: candidate links (signed tokens) and interviewers' calendar feeds."""

from django.urls import path

from . import views

app_name = "interviews"

urlpatterns = [
    path("r/<str:token>/", views.rebook_page, name="rebook"),
    path("c/<str:token>/", views.confirm_page, name="confirm"),
    path("j/<str:token>/", views.could_not_join_page, name="could-not-join"),
    path("feed/<str:token>.ics", views.calendar_feed, name="feed"),
]
