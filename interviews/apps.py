from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterviewsConfig(AppConfig):
    name = "interviews"
    verbose_name = _("Interviews")

    def ready(self):
        from candidates.signals import application_closed, candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now
        from notifications.signals import candidate_action_recorded  # noqa: PLC0415 - in ready(): the models are loaded by now

        from . import jobs, retention  # noqa: F401, PLC0415 - in ready(): registers the periodic sweeps
        from .receivers import on_application_closed, on_candidate_action, on_candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now

        candidate_action_recorded.connect(on_candidate_action, dispatch_uid="interviews.confirm")
        application_closed.connect(on_application_closed, dispatch_uid="interviews.application_closed")
        candidate_anonymised.connect(on_candidate_anonymised, dispatch_uid="interviews.candidate_anonymised")
        retention.register()  # AI recordings and reports in the retention sweep (R-SEC-5)

        from hrsys.audit.labels import register_resolver  # noqa: PLC0415 - in ready(): the models are loaded by now

        from .labels import audit_action_words  # noqa: PLC0415 - in ready(): the models are loaded by now

        register_resolver(audit_action_words)  # the audit trail's interview actions in words
