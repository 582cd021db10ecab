"""AI interview invitations: the vendor side of the invitation (the booking goes through
``interviews.services.interview_schedule``), the candidate's actions on it, and what a closed application
or a tracked link does to it (R-AI-7)."""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.consent import consent_required
from candidates.models import Application, Purpose
from candidates.models import State as AppState
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user
from interviews.models import Interview
from interviews.services import interview_schedule
from notifications.models import Notification

from ..models import AIInvitation, InvitationEvent, Vendor
from ._common import MOVE_PERMISSION, RELATED_INVITATION, job_policy


@transaction.atomic
def ai_interview_invite(*, actor, application_id: int, vendor_slug: str, deadline: datetime,
                        assessment_id: str = "", candidate_url: str = "",
                        starts_at: datetime | None = None) -> AIInvitation:
    """Invite an application to a vendor's AI interview (R-AI-7, R-PIPE-2, R-NS-1, R-NS-5).

    Records the vendor's assessment id (the key results come back with), the candidate link and the
    deadline, then books the AI interview through ``interviews`` -- the one owner of what follows: the
    application moves (``invite_ai``, ``reinvite_ai`` after a no-show), the invitation with the operating
    guide goes out by e-mail and SMS, reminders are planned (before ``starts_at`` when a time was agreed,
    otherwise before the deadline), and a deadline passed without a result is a no-show. Bad input raises
    ValidationError; a closed or later-stage application, or a candidate who has not agreed to the AI interview
    and its recording (R-SEC-5), a Conflict, before anything is written.
    """
    _require(actor, MOVE_PERMISSION)
    user = _user(actor)
    apps = Application.objects.for_user(user) if user is not None else Application.objects.all()
    app = apps.select_related("job__department", "candidate").filter(pk=application_id).first()
    if app is None:
        raise Http404
    errors: dict[str, list] = {}
    vendor = Vendor.objects.filter(slug=vendor_slug, active=True).first()
    if vendor is None:
        errors["vendor"] = [_("Unknown or inactive AI interview vendor %(slug)s.") % {"slug": vendor_slug}]
    if not isinstance(deadline, datetime) or timezone.is_naive(deadline):
        errors["deadline"] = [_("Give the deadline with its time zone.")]
    elif deadline <= timezone.now():
        errors["deadline"] = [_("The deadline is in the past.")]
    elif starts_at is not None and starts_at >= deadline:
        errors["starts_at"] = [_("The agreed time must be before the deadline.")]
    assessment_id = (assessment_id or "").strip() or str(uuid.uuid4())
    if len(assessment_id) > 120:
        errors["assessment_id"] = [_("At most 120 characters.")]
    if vendor is not None and not candidate_url:
        if vendor.interview_url_template:
            candidate_url = vendor.interview_url_template.replace("{assessment_id}", assessment_id)
        else:
            errors["candidate_url"] = [_("Give the candidate's interview link (the vendor has no link template).")]
    if candidate_url and not str(candidate_url).startswith(("https://", "http://")):
        errors["candidate_url"] = [_("Enter a web address.")]
    if vendor is not None and AIInvitation.objects.filter(vendor=vendor, assessment_id=assessment_id).exists():
        errors["assessment_id"] = [_("This vendor assessment id is already used by another invitation.")]
    if errors:
        raise ValidationError(errors)
    if app.state not in (AppState.SCREENING, AppState.AI_NO_SHOW):
        raise Conflict(_("Only an application in screening (or after a missed AI interview) can be invited to an "
                         "AI interview; this one is %(stage)s.") % {"stage": app.get_state_display()}, allowed=[])
    consent_required(application=app, purpose=Purpose.AI_RECORDING)  # the interview is recorded (R-SEC-5)
    invitation = AIInvitation.objects.create(application=app, vendor=vendor, assessment_id=assessment_id,
                                             candidate_url=candidate_url, deadline=deadline, created_by=user)
    InvitationEvent.objects.create(invitation=invitation, kind=InvitationEvent.Kind.INVITED,
                                   source=str(user or actor), detail={"deadline": deadline.isoformat()})
    # Without an agreed time the link works at once and stays open until the deadline.
    interview = interview_schedule(
        actor=actor, application_id=app.pk, kind="ai", starts_at=starts_at or timezone.now(), deadline=deadline,
        meeting_url=candidate_url, duration_minutes=job_policy(app.job).duration_minutes,
        vendor_reference=assessment_id, check_availability=starts_at is not None, open_window=starts_at is None)
    invitation.notification = (Notification.objects.filter(related_type="interviews.interview",
                                                           related_id=str(interview.pk),
                                                           idempotency_key__contains=":invite:")
                               .order_by("pk").first())
    invitation.save(update_fields=["notification"])
    audit_record(actor=actor, action="ai_invitation.create", obj=invitation,
                 changes={"vendor": [None, vendor.slug], "assessment_id": [None, assessment_id],
                          "deadline": [None, deadline.isoformat()], "interview": [None, interview.pk]})
    return invitation


_STATUS_ORDER = [AIInvitation.Status.INVITED, AIInvitation.Status.OPENED, AIInvitation.Status.STARTED,
                 AIInvitation.Status.COMPLETED]
_ACTION_STATUS = {"link_open": AIInvitation.Status.OPENED, "started": AIInvitation.Status.STARTED,
                  "completed": AIInvitation.Status.COMPLETED, "result": AIInvitation.Status.COMPLETED}
_ACTION_FIELD = {"link_open": "opened_at", "started": "started_at", "completed": "completed_at",
                 "result": "completed_at"}


@transaction.atomic
def invitation_action_record(*, invitation_id: int, kind: str, source: str, at: datetime | None = None,
                             detail: dict | None = None) -> InvitationEvent:
    """A candidate action on an AI interview: link opened, started, completed (R-AI-7).

    Every report is kept as an event; the invitation's status only moves forward
    and keeps the first time of each step.
    """
    if kind not in InvitationEvent.Kind.values:
        raise ValidationError({"kind": [_("Unknown action %(kind)s.") % {"kind": kind}]})
    invitation = AIInvitation.objects.select_for_update().get(pk=invitation_id)
    return _action_on_locked(invitation, kind=kind, source=source, at=at, detail=detail)


def _action_on_locked(invitation, *, kind, source, at=None, detail=None) -> InvitationEvent:
    """invitation_action_record for an invitation the caller locked in its transaction."""
    at = at or timezone.now()
    event = InvitationEvent.objects.create(invitation=invitation, kind=kind, at=at, source=source[:60],
                                           detail=detail or {})
    status = _ACTION_STATUS.get(kind)
    changed = []
    if status and invitation.status in _STATUS_ORDER and \
            _STATUS_ORDER.index(status) > _STATUS_ORDER.index(invitation.status):
        invitation.status = status
        changed.append("status")
    field = _ACTION_FIELD.get(kind)
    if field and getattr(invitation, field) is None:
        setattr(invitation, field, at)
        changed.append(field)
    if changed:
        invitation.save(update_fields=changed)
    return event


def on_application_closed(sender, application=None, actor=None, **kwargs):
    """A closed application's open AI invitations are cancelled (a late result is still stored, but nothing
    waits for it); their booked interviews are cancelled by ``interviews`` (R-AI-7)."""
    open_ones = AIInvitation.objects.filter(application=application).exclude(
        status__in=[AIInvitation.Status.COMPLETED, AIInvitation.Status.CANCELLED])
    for invitation in open_ones.select_for_update():
        invitation.status = AIInvitation.Status.CANCELLED
        invitation.save(update_fields=["status"])
        audit_record(actor=actor or "pipeline", action="ai_invitation.cancel", obj=invitation,
                     changes={"status": [None, AIInvitation.Status.CANCELLED]}, reason="application closed")


def on_candidate_action(sender, action, notification=None, **kwargs):
    """notifications' signal: the candidate opened the tracked link of an AI interview invitation or of one of
    its reminders (sent by ``interviews`` for the booked AI interview, which carries the assessment id)
    (R-AI-7)."""
    if notification is None or action.kind != "link_open":
        return
    invitation_id = None
    if notification.related_type == RELATED_INVITATION:
        invitation_id = int(notification.related_id)
    elif notification.related_type == "interviews.interview":
        booked = (Interview.objects.filter(pk=notification.related_id, kind="ai")
                  .values_list("vendor_reference", "application_id").first())
        if booked and booked[0]:  # assessment ids are unique per vendor only: match the application too
            invitation_id = (AIInvitation.objects.filter(assessment_id=booked[0], application_id=booked[1])
                             .order_by("-pk").values_list("pk", flat=True).first())
    if invitation_id and AIInvitation.objects.filter(pk=invitation_id).exists():
        invitation_action_record(invitation_id=invitation_id, kind="link_open", source="tracked_link", at=action.at,
                                 detail={"candidate_action": action.pk})
