from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployeesConfig(AppConfig):
    name = "employees"
    verbose_name = _("Employees")

    def ready(self):
        from . import jobs  # noqa: F401 - registers the periodic sweep
