from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("l/o/<str:token>.gif", views.open_pixel, name="open-pixel"),
    path("l/<str:token>", views.tracked_link, name="tracked-link"),
]
