from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Candidate portal")

    def ready(self):
        from candidates.signals import candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now

        from .receivers import on_candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now

        candidate_anonymised.connect(on_candidate_anonymised, dispatch_uid="portal.candidate_anonymised")
