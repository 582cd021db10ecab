"""What every offer service shares: the offer locked within the actor's scope, a move of its state machine with
its audit row, the application's move in the pipeline, input parsing, and the messages to staff and candidate
through the outbox."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.services import application_transition
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import staff_user as _user
from hrsys.core.inputs import clean_date
from hrsys.events.services import event_publish
from notifications.services import notification_create
from notifications.types import Recipient

from ..models import Offer


def _setting(name, default):
    return getattr(settings, name, default)


def _lock_offer(actor, offer_id) -> Offer:
    user = _user(actor)
    qs = Offer.objects.for_user(user) if user is not None else Offer.objects.all()
    if not qs.filter(pk=offer_id).exists():
        raise Http404
    return (Offer.objects.select_for_update()
            .select_related("application__job__department", "application__candidate").get(pk=offer_id))


def _conflict(offer, message):
    raise Conflict(message, allowed=[t.name for t in offer.get_available_state_transitions()])


def _move(offer, name, *, actor, changes=None, reason=""):
    source = offer.state
    getattr(offer, name)()
    offer.save()
    audit_record(actor=actor, action=f"offer.{name}", obj=offer,
                 changes={"state": [source, offer.state], **(changes or {})}, reason=reason)
    if name in OUTGOING_EVENTS:
        application = offer.application
        # ids, state and start date for integrators (R-INT-2); never the pay or the decline reason
        event_publish(type=OUTGOING_EVENTS[name], organisation=application.job.department_id, payload={
            "offer_id": offer.pk, "application_id": application.pk, "candidate_id": application.candidate_id,
            "job_id": application.job_id, "state": offer.state, "start_date": offer.start_date})


#: Offer moves integrators hear about (R-INT-2): every offer move passes _move.
OUTGOING_EVENTS = {"approve": "offer.approved", "accept": "offer.accepted", "decline": "offer.declined"}


def _pipeline(actor, application_id, name, reason=""):
    """Move the application; the pipeline checks its own guards (credentials, R-HOSP-1)."""
    user = _user(actor)
    pipeline_actor = user if user is not None and user.has_perm("candidates.change_application") \
        else f"onboarding:{getattr(user, 'username', None) or actor}"
    return application_transition(actor=pipeline_actor, application_id=application_id, transition=name,
                                  reason=reason)


def _money(value, field):
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("Enter an amount.")]})
    if amount <= 0:
        raise ValidationError({field: [_("The amount must be above zero.")]})
    return amount


_date = clean_date


# -- notifications ------------------------------------------------------------------------------------


def _send(*, recipient, channel, template_key, context, key, offer, urgent=False):
    """One outbox row; a recipient unreachable on ``channel`` is skipped, not an error."""
    return notification_create(recipient=recipient, channel=channel, template_key=template_key, context=context,
                               idempotency_key=key[:200], department=offer.application.job.department,
                               related=("onboarding.offer", offer.pk), ignore_quiet_hours=urgent,
                               actor="onboarding", skip_unreachable=True)


#: Outcomes of an offer and of an approval step as staff read them in alerts (never the code).
OUTCOME_WORDS = {
    "approved": gettext_lazy("approved"), "reject": gettext_lazy("rejected"),
    "request_change": gettext_lazy("changes requested"), "accepted": gettext_lazy("accepted"),
    "declined": gettext_lazy("declined"), "expired": gettext_lazy("expired"), "withdrawn": gettext_lazy("withdrawn"),
}


def _outcome(outcome: str) -> str:
    return str(OUTCOME_WORDS.get(outcome, outcome))


def _alert_staff(user, offer, *, key, title_fn, message_fn, url="", channels=("in_app", "email")):
    with translation.override(user.preferred_language or "zh-hans"):
        title, message = str(title_fn()), str(message_fn())
    for channel in channels:
        _send(recipient=Recipient.for_user(user), channel=channel, template_key="generic_alert",
              context={"title": title, "message": message, "url": url}, key=f"{key}:{channel}", offer=offer)


def _tell_candidate(offer, *, key, template_key, extra=None):
    """An offer event to the candidate by SMS and e-mail, in a template HR can word (R-NS-2)."""
    job = offer.application.job
    context = {"job_title": job.title, "organization_name": job.organization_name, **(extra or {})}
    for channel in ("sms", "email"):
        _send(recipient=offer.application.candidate.as_recipient(), channel=channel, template_key=template_key,
              context=context, key=f"{key}:{channel}", offer=offer)


def approval_url(approval) -> str:
    return f"{settings.PUBLIC_BASE_URL}/offers/approvals/{approval.pk}/"
