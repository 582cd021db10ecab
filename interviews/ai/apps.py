from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiInterviewsConfig(AppConfig):
    """AI interview vendors, invitations and results (issue 6).

    A Django app of its own inside interviews/, with its own migrations, so the
    AI-interview data model evolves independently of the scheduling models.
    """

    name = "interviews.ai"
    label = "ai_interviews"
    verbose_name = _("AI interviews")

    def ready(self):
        from candidates import job_settings  # noqa: PLC0415 - in ready(): the models are loaded by now
        from candidates.signals import application_closed, candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now
        from notifications.signals import candidate_action_recorded  # noqa: PLC0415 - in ready(): the models are loaded by now

        from . import jobs  # noqa: F401, PLC0415 - in ready(): registers the periodic sweeps
        from .config_api import job_ai_settings  # noqa: PLC0415 - in ready(): the models are loaded by now
        from .services import (  # noqa: PLC0415 - in ready(): the models are loaded by now
            job_ai_settings_save,  # noqa: PLC0415 - in ready(): the models are loaded by now
            on_application_closed,
            on_candidate_action,
        )

        job_settings.register(read=job_ai_settings, write=job_ai_settings_save)
        candidate_action_recorded.connect(on_candidate_action, dispatch_uid="ai_interviews.link_open")
        application_closed.connect(on_application_closed, dispatch_uid="ai_interviews.application_closed")

        from .services.erasure import on_candidate_anonymised  # noqa: PLC0415 - in ready(): the models are loaded by now

        candidate_anonymised.connect(on_candidate_anonymised, dispatch_uid="ai_interviews.candidate_anonymised")

        from django.db.models.signals import post_delete, post_save  # noqa: PLC0415 - beside its receivers

        from .models import Vendor  # noqa: PLC0415 - in ready(): the models are loaded by now
        from .webhook_vendors import forget_vendors  # noqa: PLC0415 - in ready(): the models are loaded by now

        post_save.connect(forget_vendors, sender=Vendor, dispatch_uid="ai_interviews.vendor_saved")
        post_delete.connect(forget_vendors, sender=Vendor, dispatch_uid="ai_interviews.vendor_deleted")
