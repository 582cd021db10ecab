from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "hrsys.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from . import jobs  # noqa: F401, PLC0415 - in ready(): registers the access-volume sweep (R-SEC-7)
