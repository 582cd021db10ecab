"""The candidate's own data requests, for the "Your data" section included in the privacy page (R-SEC-6)."""

from django import template

from portal.models import SubjectRequest

register = template.Library()


@register.simple_tag
def subject_requests_of(candidate):
    """The candidate's requests, newest first, and which kinds are open (to offer only the others)."""
    if candidate is None:
        return {"rows": [], "open_kinds": set()}
    rows = list(SubjectRequest.objects.filter(candidate=candidate).order_by("-requested_at", "-id")[:20])
    return {"rows": rows, "open_kinds": {r.kind for r in rows if r.state == SubjectRequest.State.OPEN}}
