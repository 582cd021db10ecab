from django.urls import path

from . import views

app_name = "onboarding"
urlpatterns = [
    path("approvals/", views.approval_list, name="approval-list"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval"),
]
