from django.urls import path

from . import subject_requests, views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("l/<str:token>/", views.link, name="link"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("language/", views.language, name="language"),
    path("interviews/<int:pk>/", views.interview_detail, name="interview"),
    path("interviews/<int:pk>/reschedule/", views.interview_reschedule, name="reschedule"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    path("offers/<int:pk>/letter/<str:kind>/", views.offer_letter, name="offer-letter"),
    path("offers/<int:pk>/sign/", views.offer_sign, name="offer-sign"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="offer-decline"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("onboarding/upload/", views.upload, name="upload"),
    path("onboarding/items/<int:pk>/done/", views.checklist_item_done, name="checklist-item-done"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/my-data/copy/", subject_requests.request_copy, name="data-copy-request"),
    path("privacy/my-data/delete/", subject_requests.request_deletion, name="data-deletion-request"),
    path("privacy/my-data/copies/<int:pk>/", subject_requests.download_copy, name="data-copy-download"),
]
