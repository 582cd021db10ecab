from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Offers and onboarding")

    def ready(self):
        from attendance.signals import start_date_moved

        from . import jobs  # noqa: F401 - registers the periodic sweeps
        from .services_employee import follow_account_start_date

        # the case's start date follows the attendance account when HR moves it there (R-ATT-2)
        start_date_moved.connect(follow_account_start_date, dispatch_uid="onboarding.follow_account_start_date")
