"""``{% interviews_panel application %}``: the interviews part of the application page (issue 14 item 2; R-UI-2).

The application's interviews the viewer may see (``Interview.objects.for_user``), newest first: round, kind,
time in Asia/Shanghai, interviewers, room, the state in words, the candidate's confirmation, the submitted
feedback per interviewer (scores by the job's dimension labels, recommendation), and per interview the action
buttons the viewer may use now; a "Schedule an interview" entry when the stage allows one. The page including it
logs the view of the candidate's data.
"""

from django import template
from django.urls import reverse

from interviews import workspace

register = template.Library()


@register.inclusion_tag("interviews/workspace/panel.html", takes_context=True)
def interviews_panel(context, application):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    may_schedule = workspace.may_schedule(user, application)
    return {
        "application": application,
        "interviews": workspace.panel_interviews(user=user, application=application),
        "may_schedule": may_schedule,
        "schedule_url": reverse("interviews:schedule", args=[application.pk]) if may_schedule else "",
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
