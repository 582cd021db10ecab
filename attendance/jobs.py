"""Periodic sweeps of attendance, run by hr_tick every minute (R-ATT-1..4)."""

from hrsys.core.periodic import periodic_job

from . import services


@periodic_job("attendance.activate_accounts")
def activate_accounts(now):
    return services.accounts_activate_due(now=now)


@periodic_job("attendance.revoke_orphaned_accounts")
def revoke_orphaned_accounts(now):
    return services.accounts_revoke_orphaned(now=now)


@periodic_job("attendance.day_one_no_shows")
def day_one_no_shows(now):
    return services.accounts_no_show_due(now=now)


@periodic_job("attendance.close_exited_accounts")
def close_exited_accounts(now):
    return services.accounts_close_due(now=now)


@periodic_job("attendance.push_provisioning")
def push_provisioning(now):
    return services.provisioning_push_due(now=now)


@periodic_job("attendance.daily_results")
def daily_results(now):
    return services.daily_results_refresh(now=now)


@periodic_job("attendance.probation_reminders")
def probation_reminders(now):
    return services.probation_remind_due(now=now)


@periodic_job("attendance.zkteco_pull")
def zkteco_pull(now):
    return services.zkteco_pull_due(now=now)
