from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboards")

    def ready(self):
        from . import jobs  # noqa: F401, PLC0415 - in ready(): registers the periodic sweeps
