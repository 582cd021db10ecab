from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from hrsys.audit.labels import register_resolver

#: The audit trail's words for the careers site's actions (hrsys.audit.labels).
ACTION_WORDS = {
    ("job", "publish"): _("Job: shown on the careers site"),
    ("job", "unpublish"): _("Job: removed from the careers site"),
    ("careers", "apply"): _("Careers site: application received"),
    ("careers", "apply_again"): _("Careers site: applied again for the same job (nothing added)"),
}


def _action_words(obj: str, verb: str):
    return ACTION_WORDS.get((obj, verb))


class CareersConfig(AppConfig):
    name = "careers"
    verbose_name = _("Careers site")

    def ready(self):
        register_resolver(_action_words)
