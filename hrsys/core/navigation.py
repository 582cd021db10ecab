"""Where each staff role starts and which pages its header links to (issue 14, item 1; R-UI-1).

One table, read by the ``start`` view (the page after login) and by the header every staff page shows
(``templates/includes/header.html`` through the ``staff_header`` template tag). The links only lead to
pages the role may open; the pages themselves still check permission and scope.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.models import Role

DASHBOARD_PERMISSION = "dashboard.view_dashboard"

#: The page each role starts on; anyone else (a superuser without a role) starts on the admin index.
START = {
    Role.HR_STAFF: "dashboard:home",
    Role.HR_DIRECTOR: "dashboard:home",
    Role.MANAGER: "onboarding:approval-list",
    Role.INTERVIEWER: "interviews:mine",
    Role.SYSADMIN: "admin:index",
}

#: Roles that may be booked as interviewers (the page lists only their own interviews).
INTERVIEWING_ROLES = (Role.HR_STAFF, Role.HR_DIRECTOR, Role.MANAGER, Role.INTERVIEWER)
#: Roles with an approvals inbox (offer approval steps are addressed to managers and the HR director).
APPROVING_ROLES = (Role.MANAGER, Role.HR_DIRECTOR)


@dataclass(frozen=True)
class Link:
    key: str
    label: str
    url: str
    #: the address prefix of the pages the link stands for ("" = the link's own address)
    match: str = ""
    exact: bool = False


def start_url(user) -> str:
    """The page ``user`` starts on after login (R-UI-1)."""
    return reverse(START.get(getattr(user, "role", None), "admin:index"))


def pipeline_url(user) -> str:
    """The pipeline boards of the jobs the user may see (their department's, for a manager; R-UI-3)."""
    return reverse("board:jobs")


def header_links(user) -> list[Link]:
    """The header's links for ``user``, in reading order."""
    if not getattr(user, "is_authenticated", False):
        return []
    role = getattr(user, "role", None)
    links = []
    if role in (Role.HR_STAFF, Role.HR_DIRECTOR):
        links.append(Link("today", str(_("Today")), reverse("dashboard:home"), exact=True))
    if user.has_perm(DASHBOARD_PERMISSION):
        links.append(Link("dashboards", str(_("Dashboards")), reverse("dashboard:page", args=["funnel"]),
                          match=reverse("dashboard:home")))
    if role in (Role.HR_STAFF, Role.HR_DIRECTOR):
        links.append(Link("boards", str(_("Pipeline boards")), reverse("board:jobs")))
    if role in APPROVING_ROLES:
        links.append(Link("approvals", str(_("My approvals")), reverse("onboarding:approval-list")))
    if role == Role.MANAGER:
        links.append(Link("pipeline", str(_("My department's pipeline")), pipeline_url(user)))
    if role in INTERVIEWING_ROLES:
        links.append(Link("interviews", str(_("My interviews")), reverse("interviews:mine")))
        links.append(Link("calendar", str(_("Interview calendar")), reverse("interviews:calendar")))
    if user.is_staff:
        links.append(Link("admin", str(_("HR back office")), reverse("admin:index")))
    return links


def current_key(links: list[Link], path: str) -> str:
    """The key of the link the page at ``path`` belongs to (the longest matching address), or ""."""
    best, length = "", 0
    for link in links:
        base = link.match or link.url.split("?", 1)[0]
        matches = path == base if link.exact else path.startswith(base)
        if matches and len(base) > length:  # on a tie the earlier link wins (Today before Dashboards)
            best, length = link.key, len(base)
    return best
