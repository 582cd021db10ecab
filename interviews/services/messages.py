"""What interviews tell people: the candidate's wording of an interview, one outbox row per message, staff
messages, HR alerts (R-NS-7, R-NS-8, R-HOSP-1), and the invitations and cancellations with their calendar
events (R-SCHED-4).

Messages go through the notifications outbox only, created in the caller's transaction; their idempotency
keys are ``interview:<id>:v<sequence>:<step>:<channel>`` so a reschedule (new row, higher sequence) never
re-uses or revives a stale reminder.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from candidates.models import InterviewRound
from candidates.selectors import responsible_hr
from notifications import staff_im
from notifications.services import notification_create
from notifications.types import Recipient

from .. import ics, tokens
from ..models import Kind
from ._common import RELATED, _local


def _round_name(interview) -> str:
    """The round as a whole noun in the active language ("临床技能面试", "clinical skills interview", "AI 面试"), so
    a message never adds 面试 / interview after it (the kind labels of the admin are "Clinical", "Final")."""
    if interview.kind == Kind.AI:
        return _("AI interview")
    kind = interview.round.kind if interview.round_id else ""
    names = {InterviewRound.Kind.TECHNICAL: _("technical interview"),
             InterviewRound.Kind.HUMANISTIC: _("humanistic interview"),
             InterviewRound.Kind.CLINICAL: _("clinical skills interview"),
             InterviewRound.Kind.FINAL: _("final interview")}
    return names.get(kind) or _("interview")


def _interview_context(interview, *, language: str | None = None) -> dict:
    """What the candidate's messages say about ``interview``, worded in ``language`` (default: the candidate's
    preferred one, whatever the language of the request that booked it)."""
    job = interview.application.job
    contact = (responsible_hr(interview.application) or [None])[0]
    location = (interview.room.location or interview.room.name) if interview.room_id else ""
    with translation.override(language or interview.application.candidate.preferred_language or "zh-hans"):
        round_name = _round_name(interview)
    return {
        "job_title": job.title, "department_name": job.department.name,
        "organization_name": job.organization_name, "interview_time": _local(interview.starts_at),
        "location": location, "meeting_url": interview.meeting_url,
        "confirm_url": tokens.public_url("confirm", tokens.make("confirm", interview.pk)),
        "reschedule_url": tokens.public_url("could-not-join", tokens.make("join", interview.pk)),
        "contact_name": str(contact) if contact else "", "contact_phone": (contact.phone if contact else "") or "",
        "round_name": round_name,
    }


def _ai_context(interview, *, language: str | None = None) -> dict:
    ctx = _interview_context(interview, language=language)
    keep = ("job_title", "department_name", "organization_name", "contact_name", "contact_phone", "confirm_url")
    return {k: ctx[k] for k in keep} | {
        "interview_url": interview.meeting_url or ctx["confirm_url"],
        "deadline": _local(interview.deadline or interview.ends_at),
        "duration_minutes": int((interview.ends_at - interview.starts_at).total_seconds() // 60),
    }


def _notify(*, recipient, channel, template_key, context, key, interview, due_at=None, attachments=(),
            escalation=None, urgent=False):
    """One outbox row; a recipient who cannot be reached on ``channel`` is skipped, not an error."""
    try:
        return notification_create(
            recipient=recipient, channel=channel, template_key=template_key, context=context,
            idempotency_key=key[:200], due_at=due_at, department=interview.application.job.department,
            related=(RELATED, interview.pk), attachments=attachments, escalation_policy=escalation,
            ignore_quiet_hours=urgent, actor="interviews", skip_unreachable=True)
    except ValidationError as exc:
        if "escalation_policy" in getattr(exc, "message_dict", {}):  # a policy HR switched off: send without
            return _notify(recipient=recipient, channel=channel, template_key=template_key, context=context,
                           key=key, interview=interview, due_at=due_at, attachments=attachments, urgent=urgent)
        raise


def _message(user_or_candidate_language, text_fn):
    """Render a translatable text in the recipient's language."""
    with translation.override(user_or_candidate_language or "zh-hans"):
        return text_fn()


def _staff_message(interview, user, *, key, subject_fn, message_fn, attachments=(), channel="email"):
    recipient = Recipient.for_user(user)
    subject = _message(recipient.language, subject_fn)
    message = _message(recipient.language, message_fn)
    return _notify(recipient=recipient, channel=channel, template_key="generic_message",
                   context={"subject": subject, "message": message, "url": ""}, key=key, interview=interview,
                   attachments=attachments)


def alert_hr(interview, *, key, title_fn, message_fn, channels=("in_app",), urgent=False):
    """An alert to the responsible HR people (R-NS-7, R-NS-8, R-HOSP-1)."""
    url = f"{settings.PUBLIC_BASE_URL}/admin/interviews/interview/{interview.pk}/change/"
    sent = []
    for user in responsible_hr(interview.application):
        recipient = Recipient.for_user(user)
        context = {"title": _message(recipient.language, title_fn), "message": _message(recipient.language,
                                                                                        message_fn), "url": url}
        # an alert not sent by e-mail (no-show, failed backup) also goes to the user's WeCom / DingTalk (R-CN-2)
        for channel in (*channels, *staff_im.extra_channels(user_id=user.pk, channels=channels)):
            n = _notify(recipient=recipient, channel=channel, template_key="generic_alert", context=context,
                        key=f"{key}:{user.pk}:{channel}", interview=interview, urgent=urgent)
            if n is not None:
                sent.append(n)
    return sent


def _send_invitations(interview, *, update: bool, calendar: bool = True):
    """The candidate's invitation (and the interviewers'), with the calendar event unless there is no set time
    (an AI interview to take any time before its deadline). A moved interview (``update``) is announced as
    moved, with the time it replaces, not as a fresh invitation. Each person's .ics is in their language."""
    calendars: dict[str, list] = {}

    def attachment(language):
        if calendar and language not in calendars:
            with translation.override(language):
                calendars[language] = [("invite.ics", ics.invitation(interview), "text/calendar; method=REQUEST")]
        return calendars.get(language, [])

    candidate = interview.application.candidate
    recipient = candidate.as_recipient()
    base = f"interview:{interview.pk}:v{interview.sequence}:invite"
    previous = interview.previous if update and interview.previous_id else None
    if interview.kind == Kind.AI:
        ctx = _ai_context(interview, language=recipient.language)
        template = "ai_interview_rescheduled" if previous is not None else "ai_interview_invitation"
        if previous is not None:
            ctx["previous_deadline"] = _local(previous.deadline or previous.ends_at)
    else:
        ctx = _interview_context(interview, language=recipient.language)
        template = "interview_rescheduled" if previous is not None else "interview_invitation"
        if previous is not None:
            ctx["previous_time"] = _local(previous.starts_at)
    for channel in ("email", "sms"):
        _notify(recipient=recipient, channel=channel, template_key=template, context=ctx,
                key=f"{base}:{channel}", interview=interview,
                attachments=attachment(recipient.language) if channel == "email" else ())
    when = _local(interview.starts_at)
    before = _local(previous.starts_at) if previous is not None else ""
    job = interview.application.job.title
    for user in interview.interviewers.all():
        language = Recipient.for_user(user).language or "zh-hans"
        _staff_message(
            interview, user, key=f"{base}:staff:{user.pk}", attachments=attachment(language),
            subject_fn=lambda: (_("Interview moved: %(c)s") if update else _("Interview: %(c)s")) % {"c": candidate.name},
            message_fn=lambda: (
                _("%(title)s with %(c)s for %(job)s moved from %(before)s to %(when)s.") if before
                else _("%(title)s with %(c)s for %(job)s at %(when)s."))
            % {"title": capfirst(_round_name(interview)), "c": candidate.name, "job": job, "when": when,
               "before": before})


def _send_cancellations(interview, *, reason: str, to_candidate: bool = True):
    """METHOD:CANCEL to everyone on the event (same UID, higher SEQUENCE); the candidate is told by e-mail with
    the .ics and by SMS, as they were invited, in their language."""
    calendars: dict[str, list] = {}

    def attachment(language):
        if language not in calendars:
            with translation.override(language):
                calendars[language] = [("cancel.ics", ics.cancellation(interview), "text/calendar; method=CANCEL")]
        return calendars[language]

    candidate = interview.application.candidate
    base = f"interview:{interview.pk}:v{interview.sequence}:cancel"
    when = _local(interview.starts_at)
    for user in interview.interviewers.all():
        language = Recipient.for_user(user).language or "zh-hans"
        _staff_message(interview, user, key=f"{base}:staff:{user.pk}", attachments=attachment(language),
                       subject_fn=lambda: _("Interview cancelled: %(c)s") % {"c": candidate.name},
                       message_fn=lambda: _("%(title)s with %(c)s at %(when)s is off: %(reason)s")
                       % {"title": capfirst(_round_name(interview)), "c": candidate.name, "when": when,
                          "reason": reason})
    if to_candidate:
        recipient = candidate.as_recipient()
        ctx = _interview_context(interview, language=recipient.language)
        for channel, key in (("email", f"{base}:candidate"), ("sms", f"{base}:candidate:sms")):
            _notify(recipient=recipient, channel=channel, template_key="interview_cancelled", context=ctx, key=key,
                    interview=interview, attachments=attachment(recipient.language) if channel == "email" else ())
