"""Pages without staff login (candidate links with signed tokens, interviewers' calendar feeds), the staff page
where an interviewer (or HR) renews a calendar feed's address, "My interviews" and the interview calendar."""

from django.urls import path

from . import batch_views, calendar_views, my_interviews, scorecard, views, workspace

app_name = "interviews"

urlpatterns = [
    path("r/<str:token>/", views.rebook_page, name="rebook"),
    path("c/<str:token>/", views.confirm_page, name="confirm"),
    path("j/<str:token>/", views.could_not_join_page, name="could-not-join"),
    path("feed/<str:token>.ics", views.calendar_feed, name="feed"),
    path("calendar-feed/", views.calendar_feed_manage, name="calendar-feed"),
    path("calendar-feed/<int:user_id>/", views.calendar_feed_manage, name="calendar-feed-of"),
    path("mine/", my_interviews.my_interviews_page, name="mine"),
    path("<int:pk>/scorecard/", scorecard.scorecard_page, name="scorecard"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    # interview actions of the application page (R-UI-2)
    path("applications/<int:pk>/schedule/", workspace.schedule_page, name="schedule"),
    path("<int:pk>/reschedule/", workspace.reschedule_page, name="reschedule"),
    path("<int:pk>/cancel/", workspace.cancel_page, name="cancel"),
    path("<int:pk>/attended/", workspace.attended, name="attended"),
    path("<int:pk>/no-show/", workspace.no_show, name="no-show"),
    path("<int:pk>/rebook/", workspace.rebook_page, name="no-show-rebook"),
    path("batch/", batch_views.batch_page, name="batch"),
    path("batch/<int:run_id>/", batch_views.batch_run_page, name="batch-run"),
    path("batch/<int:run_id>/progress/", batch_views.batch_progress, name="batch-progress"),
]
