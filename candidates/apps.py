from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Hiring pipeline")

    def ready(self):
        from hrsys.audit.labels import register_resolver

        register_resolver(_application_move_words)  # the audit trail's moves by their labels


def _application_move_words(obj: str, verb: str) -> str | None:
    """``application.<move>`` -> "Application: <the move's label>" (hrsys.audit.labels)."""
    from django.utils.translation import gettext  # noqa: PLC0415 - app registry loading

    from .services import TRANSITION_NAMES, transition_label  # noqa: PLC0415 - models are not ready at import

    if obj == "application" and verb in TRANSITION_NAMES:
        return gettext("%(object)s: %(verb)s") % {"object": gettext("Application"), "verb": transition_label(verb)}
    return None
