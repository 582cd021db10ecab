from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Candidate portal")

    def ready(self):
        from candidates.signals import candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now

        from . import jobs  # noqa: F401, PLC0415 - in ready(): registers the periodic job
        from .data_requests import on_candidate_anonymised as requests_on_anonymised  # noqa: PLC0415 - as above
        from .receivers import on_candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now

        candidate_anonymised.connect(on_candidate_anonymised, dispatch_uid="portal.candidate_anonymised")
        candidate_anonymised.connect(requests_on_anonymised, dispatch_uid="portal.data_requests.candidate_anonymised")
