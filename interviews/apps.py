from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterviewsConfig(AppConfig):
    name = "interviews"
    verbose_name = _("Interviews")

    def ready(self):
        from candidates.signals import application_closed
        from notifications.signals import candidate_action_recorded

        from . import jobs  # noqa: F401 - registers the periodic sweeps
        from .receivers import on_application_closed, on_candidate_action

        candidate_action_recorded.connect(on_candidate_action, dispatch_uid="interviews.confirm")
        application_closed.connect(on_application_closed, dispatch_uid="interviews.application_closed")

        from hrsys.audit.labels import register_resolver

        from .labels import audit_action_words

        register_resolver(audit_action_words)  # the audit trail's interview actions in words
