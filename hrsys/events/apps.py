from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "hrsys.events"
    label = "events"
    verbose_name = _("Outgoing events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import jobs  # noqa: F401, PLC0415 - ready(): registers the delivery sweep
