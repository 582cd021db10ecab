from django.urls import path

from . import views

# Mounted at /account/ (hrsys/urls.py): the staff member's own sign-in pages (R-SEC-9).
urlpatterns = [
    path("verify/", views.verify, name="account-verify"),
    path("security/", views.security, name="account-security"),
    path("security/enrol/", views.enrol, name="account-enrol"),
    path("security/recovery-codes/", views.recovery_codes_renew, name="account-recovery-codes"),
]
