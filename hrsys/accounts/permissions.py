"""Role -> permissions, in one table (R-SEC-1).

Django's model permissions (``app.action_model``) decide what a role may *do*;
the data scope (``scope.py``) decides *which rows*. Patterns use fnmatch, so
``candidates.*`` is every permission of the candidates app.
"""

import functools
from fnmatch import fnmatch

from .models import Role

# AI interview data HR works with; vendor configuration and delivery logs stay with the system administrator.
AI_INTERVIEW_HR = (
    "ai_interviews.*_aiinvitation", "ai_interviews.view_invitationevent", "ai_interviews.*_aiinterviewresult",
    "ai_interviews.*_aimedia", "ai_interviews.view_candidatepreferences", "ai_interviews.*_jobaipolicy",
    "ai_interviews.*_question", "ai_interviews.view_questionusage",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.SYSADMIN: ("*",),
    Role.HR_DIRECTOR: (
        "candidates.*", "interviews.*", *AI_INTERVIEW_HR, "notifications.*", "onboarding.*", "employees.*",
        "attendance.*",
        "accounts.view_*", "accounts.add_user", "accounts.change_user",
        "accounts.add_department", "accounts.change_department",  # the tree, within the scope (R-INT-4)
        "audit.view_*", "dashboard.*", "core.view_*",
        "events.*",  # outgoing event subscriptions and their delivery log (R-INT-2): HR's administrator
        "privacy.*",  # retention periods per organisation (R-SEC-5)
        "portal.view_subjectrequest", "portal.change_subjectrequest",  # candidates' data requests (R-SEC-6)
    ),
    Role.HR_STAFF: (
        "candidates.*", "interviews.*", *AI_INTERVIEW_HR, "notifications.*", "onboarding.*", "employees.*",
        "attendance.*",
        "accounts.view_user", "accounts.view_department", "dashboard.*",
        # departments below their own, through the services' scope checks (R-INT-4)
        "accounts.add_department", "accounts.change_department",
        "privacy.view_*",  # the retention periods and the nightly dry run (R-SEC-5); the director sets them
        "portal.view_subjectrequest", "portal.change_subjectrequest",  # candidates' data requests (R-SEC-6)
    ),
    Role.MANAGER: (
        "candidates.view_*", "interviews.view_*", "ai_interviews.view_aiinterviewresult",
        "ai_interviews.view_aimedia", "interviews.add_*feedback", "interviews.change_*feedback",
        "onboarding.view_*", "onboarding.approve_offer", "employees.view_*", "attendance.view_*",
        "attendance.change_leaverequest", "attendance.change_probationreview",
        "notifications.view_*",
        "accounts.view_user", "accounts.view_department", "dashboard.view_*",
    ),
    Role.INTERVIEWER: (
        "candidates.view_application", "candidates.view_candidate", "candidates.view_resume",
        "candidates.view_credential", "interviews.view_*", "ai_interviews.view_aiinterviewresult",
        "ai_interviews.view_aimedia",
        "interviews.add_*feedback", "interviews.change_*feedback",
    ),
}


@functools.cache
def role_allows(role: str, perm: str) -> bool:
    """Answered once per (role, permission) and process: a list page asks for every row (the table is constant)."""
    return any(fnmatch(perm, pattern) for pattern in ROLE_PERMISSIONS.get(role, ()))


class RolePermissionBackend:
    """Grants permissions by role; ModelBackend still authenticates and adds per-user grants."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        return bool(user_obj.is_active and getattr(user_obj, "role", None) and role_allows(user_obj.role, perm))

    def has_module_perms(self, user_obj, app_label):
        if not user_obj.is_active or not getattr(user_obj, "role", None):
            return False
        return any(
            pattern == "*" or pattern.split(".", 1)[0] in (app_label, "*")
            for pattern in ROLE_PERMISSIONS.get(user_obj.role, ())
        )
