from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployeesConfig(AppConfig):
    name = "employees"
    verbose_name = _("Employees")

    def ready(self):
        from . import jobs, receivers, retention  # noqa: F401, PLC0415 - in ready(): importing jobs registers the periodic sweep

        receivers.connect()  # what onboarding tells the employee file
        retention.register()  # the retention sweep's data class (R-SEC-5)
