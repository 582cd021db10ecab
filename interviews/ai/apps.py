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
