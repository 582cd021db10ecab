"""Employee files after exit as a data class of the retention sweep (R-SEC-5), registered from ``ready()``.

What statistics need stays (department, job, level, start and exit dates, the reason for leaving); who the
person was goes. A legal hold on the candidate the employee was hired as keeps the file.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from candidates.models import LegalHold
from candidates.services.privacy import ANONYMISED_NAME
from hrsys.audit.services import audit_record
from hrsys.privacy.registry import ANONYMISE, DataClass, register_data_class

from .models import Employee, EmployeeState


def _files_due(cutoffs):
    held = LegalHold.objects.filter(released_at__isnull=True, candidate=OuterRef("candidate"))
    return (Employee.objects.filter(state=EmployeeState.LEFT, anonymised_at__isnull=True, exit_date__isnull=False)
            .filter(cutoffs.expired(path="department", moment="exit_date")).filter(~Exists(held)))


def _files_purge(*, ids, now, cutoffs) -> int:
    done = 0
    with transaction.atomic():
        for employee in _files_due(cutoffs).select_for_update(skip_locked=True, of=("self",)).filter(pk__in=ids):
            employee.name = ANONYMISED_NAME
            employee.phone = employee.email = employee.id_number = ""
            employee.monthly_salary = 0
            employee.profile, employee.ai_interview = {}, {}
            employee.interview_feedback, employee.credentials = [], []
            employee.exit_note = ""
            employee.anonymised_at = now
            employee.save()
            audit_record(actor="retention", action="employee.anonymise", obj=employee,
                         reason=str(_("Retention period of employee files after exit")))
            done += 1
    return done


def register():
    register_data_class(DataClass(
        key="employee_files", label=_("Employee files after exit"), default_days=730, action=ANONYMISE,
        counted_from=_("the last working day"), due=_files_due, purge=_files_purge, order=70, department="department"))
