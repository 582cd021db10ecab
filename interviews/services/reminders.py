"""The candidate's reminders before an interview, planned from the job's reminder policy (R-NS-1, R-NS-3,
R-NS-9)."""

from datetime import datetime, timedelta

from django.utils import timezone

from notifications.services import notification_cancel

from ..models import DEFAULT_STEPS, Kind, ReminderPolicy
from ._common import RELATED, _log
from .messages import _ai_context, _interview_context, _notify


def policy_steps(job) -> tuple[list[dict], bool]:
    policy = ReminderPolicy.objects.filter(job=job).first() or ReminderPolicy.objects.filter(job=None).first()
    if policy is None or not policy.steps:
        return [dict(s) for s in DEFAULT_STEPS], True if policy is None else policy.escalate
    return [dict(s) for s in policy.steps], policy.escalate


ESCALATION = {"sms": "sms-undelivered-1h-voice", "email": "unopened-24h-preferred"}


def _plan_reminders(interview, *, anchor: datetime):
    """Outbox rows for every policy step still ahead of ``anchor`` (the start, or the deadline of an AI
    interview taken any time before it); keys carry id + sequence + step + channel."""
    steps, escalate = policy_steps(interview.application.job)
    now = timezone.now()
    recipient = interview.application.candidate.as_recipient()
    planned = []
    for n, step in enumerate(steps):
        due = anchor - timedelta(minutes=int(step["before_minutes"]))
        if due <= now:
            continue  # a step already past is not sent late (the invitation just went out)
        step_key = step.get("key") or str(n)
        for channel in step.get("channels", []):
            if interview.kind == Kind.AI and channel != "voice":
                template, ctx = "ai_interview_invitation", _ai_context(interview)  # with the operating guide
            else:
                template, ctx = "interview_reminder", _interview_context(interview)
            if not step.get("confirm", False):
                ctx = {**ctx, "confirm_url": ""} if "confirm_url" in ctx else ctx
            notification = _notify(
                recipient=recipient, channel=channel, template_key=template, context=ctx,
                key=f"interview:{interview.pk}:v{interview.sequence}:{step_key}:{channel}", interview=interview,
                due_at=due, escalation=ESCALATION.get(channel) if escalate else None)
            if notification is not None:
                planned.append(notification.pk)
    _log(interview, actor="interviews", kind="reminders_planned", detail={"notifications": planned})
    return planned


def _cancel_reminders(interview, *, reason: str):
    return notification_cancel(related=(RELATED, interview.pk), actor="interviews", reason=reason)
