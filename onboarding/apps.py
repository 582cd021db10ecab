from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Offers and onboarding")

    def ready(self):
        from . import jobs  # noqa: F401, PLC0415 - in ready(): registers the periodic sweeps
