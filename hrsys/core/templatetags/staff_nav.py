"""``{% staff_nav as nav %}``: what the one staff header (``templates/includes/header.html``) shows: the person's
name and role, the links their role may use and which of them the current page belongs to (R-UI-1)."""

from django import template

from hrsys.core import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if not getattr(user, "is_authenticated", False):
        return {"signed_in": False, "links": [], "current": "", "start_url": "/"}
    links = navigation.header_links(user)
    return {
        "signed_in": True,
        "name": user.full_name or user.get_username(),
        "role": user.get_role_display() if getattr(user, "role", "") else "",
        "links": links,
        "current": navigation.current_key(links, request.path) if request is not None else "",
        "start_url": navigation.start_url(user),
    }
