"""Periodic sweep of the employee file, run by hr_tick every minute (R-ONB-1)."""

from hrsys.core.periodic import periodic_job

from . import services


# The name is older than the employees app: kept, so ``hr_tick --only`` and the tick history mean the same job
# and it runs in the same place of the (alphabetical) order.
@periodic_job("onboarding.create_employees")
def create_employees(now):
    return services.employees_create_due(now=now)
