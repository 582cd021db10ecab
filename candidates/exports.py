"""Columns of the pipeline's CSV / Excel exports, shared by the API and the admin (R-DASH-4).

Exports carry no encrypted personal values (phone, email, ID number): lists leave
the system more easily than pages, so they hold only what HR sorts and filters by.
"""

from django.utils.translation import gettext_lazy as _

CANDIDATE_EXPORT_COLUMNS = (
    (_("id"), lambda c: c.pk),
    (_("name"), lambda c: c.name),
    (_("education"), lambda c: c.get_education_display()),
    (_("years of experience"), lambda c: c.years_experience),
    (_("skills"), lambda c: ", ".join(c.skills or [])),
    (_("source channel"), lambda c: c.get_source_display()),
    (_("created"), lambda c: c.created_at),
)

APPLICATION_EXPORT_COLUMNS = (
    (_("id"), lambda a: a.pk),
    (_("candidate"), lambda a: a.candidate.name),
    (_("job"), lambda a: a.job.title),
    (_("department"), lambda a: a.job.department.name),
    (_("priority"), lambda a: a.job.get_priority_display()),
    (_("stage"), lambda a: a.get_state_display()),
    (_("match score"), lambda a: a.match_score),
    (_("source channel"), lambda a: a.get_source_display()),
    (_("applied"), lambda a: a.created_at),
    (_("stage since"), lambda a: a.state_changed_at),
)
