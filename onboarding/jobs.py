"""Periodic sweeps of the offers app, run by hr_tick every minute (R-OFFER-2, R-OFFER-4)."""

from hrsys.core.periodic import periodic_job

from . import services


@periodic_job("onboarding.expire_offers")
def expire_offers(now):
    return services.offers_expire_due(now=now)


@periodic_job("onboarding.remind_approvers")
def remind_approvers(now):
    return services.approvals_remind_due(now=now)


@periodic_job("onboarding.create_employees")
def create_employees(now):
    from .services_employee import employees_create_due

    return employees_create_due(now=now)


@periodic_job("onboarding.checklist_reminders")
def checklist_reminders(now):
    from .services_employee import checklist_remind_due

    return checklist_remind_due(now=now)
