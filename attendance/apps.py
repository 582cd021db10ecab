from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        from . import jobs, receivers, retention  # noqa: F401, PLC0415 - in ready(): importing jobs registers the periodic sweeps

        receivers.connect()  # what onboarding and the employee file tell attendance
        retention.register()  # the retention sweep's data class (R-SEC-5)
