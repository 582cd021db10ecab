from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Offers and onboarding")

    def ready(self):
        from candidates.signals import candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now

        from . import jobs  # noqa: F401, PLC0415 - in ready(): registers the periodic sweeps
        from .receivers import on_candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now

        candidate_anonymised.connect(on_candidate_anonymised, dispatch_uid="onboarding.candidate_anonymised")
