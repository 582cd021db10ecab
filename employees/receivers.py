"""What the employee file does when onboarding tells it something (connected in ``EmployeesConfig.ready``)."""

from django.utils.translation import gettext as _

from hrsys.api.errors import Conflict
from onboarding.models import OnboardingCase
from onboarding.signals import case_reschedule_requested

from .models import Employee


def refuse_once_started(sender, *, case, **kwargs):
    """The new hire has started -- their employee file exists --: the start date cannot move any more (409)."""
    if Employee.objects.filter(case=case).exists():
        raise Conflict(_("The new hire has started already; the start date cannot move."))


def connect() -> None:
    case_reschedule_requested.connect(refuse_once_started, sender=OnboardingCase,
                                      dispatch_uid="employees.refuse_once_started")
