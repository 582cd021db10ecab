"""The portal's periodic work: prepared copies of a candidate's data expire (R-SEC-6)."""

from hrsys.core.periodic import periodic_job

from .data_requests import subject_copies_expire


@periodic_job("portal.subject_copies_expire")
def subject_copies(now):
    """Prepared copies of a candidate's data are deleted once their download period is over (R-SEC-6)."""
    return f"{subject_copies_expire(now=now)} expired"
