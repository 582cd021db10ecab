from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "hrsys.privacy"
    label = "privacy"
    verbose_name = _("Privacy and retention")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hrsys.audit.labels import register_resolver  # noqa: PLC0415 - ready(): the models are loaded by now

        from . import jobs, retention  # noqa: F401, PLC0415 - ready(): registers the sweep and the access-log class
        from .labels import privacy_words  # noqa: PLC0415 - ready(): beside the registrations above

        register_resolver(privacy_words)
