from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hrsys.audit.labels import register_resolver
from hrsys.audit.people import register_people
from notifications.recipients import Directory, register_directory


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Hiring pipeline")

    def ready(self):
        from . import retention, selectors  # noqa: PLC0415 - they import the models, not loaded yet at import time

        register_resolver(_application_move_words)  # the audit trail's moves by their labels
        # the outbox finds candidates by name or identifier, within the viewer's scope (R-UI-2, R-SEC-1)
        register_directory(selectors.CANDIDATE_RECIPIENT, Directory(
            search=selectors.outbox_candidates_found, visible=selectors.outbox_candidates_visible))
        # the access report's "by person": a candidate's page, résumé, applications and scans are the candidate's
        for object_type in selectors.CANDIDATE_RECORDS:
            register_people(object_type, selectors.candidate_people_of(object_type))
        retention.register()  # rejected candidates, talent pool, résumés, message texts (R-SEC-5)


def _application_move_words(obj: str, verb: str) -> str | None:
    """``application.<move>`` -> "Application: <the move's label>" (hrsys.audit.labels)."""
    from .services import TRANSITION_NAMES, transition_label  # noqa: PLC0415 - models are not ready at import

    if obj == "application" and verb in TRANSITION_NAMES:
        return gettext("%(object)s: %(verb)s") % {"object": gettext("Application"), "verb": transition_label(verb)}
    return None
