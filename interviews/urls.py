"""Pages without staff login (candidate links with signed tokens, interviewers' calendar feeds), the staff page
where an interviewer (or HR) renews a calendar feed's address, "My interviews" and the interview calendar."""

from django.urls import path

from . import calendar_views, my_interviews, views

app_name = "interviews"

urlpatterns = [
    path("r/<str:token>/", views.rebook_page, name="rebook"),
    path("c/<str:token>/", views.confirm_page, name="confirm"),
    path("j/<str:token>/", views.could_not_join_page, name="could-not-join"),
    path("feed/<str:token>.ics", views.calendar_feed, name="feed"),
    path("calendar-feed/", views.calendar_feed_manage, name="calendar-feed"),
    path("calendar-feed/<int:user_id>/", views.calendar_feed_manage, name="calendar-feed-of"),
    path("mine/", my_interviews.my_interviews_page, name="mine"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
]
