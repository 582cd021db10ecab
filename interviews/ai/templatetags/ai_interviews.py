"""``{% load ai_interviews %}{% ai_result_panel application.pk %}`` renders an application's AI interview result
(chart, report, media player, transcript, follow-up questions) for the viewing user, in their scope (R-AI-4).
``{% ai_follow_up_questions application.pk %}`` renders only the suggested questions (next-round interviewers)."""

from django import template

from .. import selectors

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("ai_interviews/_result_panel.html", takes_context=True)
def ai_result_panel(context, application_id):
    return selectors.ai_result_panel_context(user=_user(context), application_id=application_id)


@register.inclusion_tag("ai_interviews/_follow_up_questions.html", takes_context=True)
def ai_follow_up_questions(context, application_id):
    return {"follow_ups": selectors.follow_up_questions_for(user=_user(context), application_id=application_id)}
