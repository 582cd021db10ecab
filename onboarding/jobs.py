"""Periodic sweeps of offers and onboarding, run by hr_tick every minute (R-OFFER-2, R-OFFER-4, R-ONB-2).
The employee files of the day's starters are created by ``employees.jobs``."""

from hrsys.core.periodic import periodic_job

from . import services


@periodic_job("onboarding.expire_offers")
def expire_offers(now):
    return services.offers_expire_due(now=now)


@periodic_job("onboarding.remind_approvers")
def remind_approvers(now):
    return services.approvals_remind_due(now=now)


@periodic_job("onboarding.checklist_reminders")
def checklist_reminders(now):
    return services.checklist_remind_due(now=now)
