from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("export/<slug:name>/", views.dashboard_export, name="export"),
    path("<slug:page>/", views.dashboard_page, name="page"),
]
