from django.urls import path

from . import staff_im_views, views

app_name = "notifications"

urlpatterns = [
    path("l/o/<str:token>.gif", views.open_pixel, name="open-pixel"),
    path("l/<str:token>", views.tracked_link, name="tracked-link"),
    # the staff user's own choice of WeCom / DingTalk / e-mail (R-CN-2), next to the Security page
    path("account/messages/", staff_im_views.staff_messaging, name="staff-messaging"),
]
