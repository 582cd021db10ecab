"""Staff messages in WeCom (企业微信) and DingTalk (R-CN-2, R-INT-3): each staff user's choice, their binding by
mobile number, and which channel a staff message takes.

Every staff user chooses where their staff messages go (``StaffMessaging.channel``): e-mail (the default),
WeCom or DingTalk; in-app messages stay as they are. A user is bound by looking up their mobile number through
the provider's API (WeCom ``user/getuserid``, DingTalk ``topapi/v2/user/getbymobile``): ``staff_im_bind`` for one
user (the "bind" button of their Messages page), ``manage.py staff_im_bind`` for all.

Routing (:func:`route`, called by ``notification_create``): a staff message that would go by e-mail -- interview
and feedback reminders, approvals waiting, onboarding and attendance to-dos, HR alerts (templates
``generic_alert`` / ``generic_message``) -- goes to the chosen provider when it is configured and the user is
bound; otherwise it stays e-mail, with a log line naming the user by id only. Messages with attachments (the
calendar invitations of interviewers) and sign-in codes stay e-mail. Alerts that go in the app and by SMS / call
but not by e-mail (no-show, failed messages) also go to a user's chosen provider (:func:`extra_channels`).
"""

import importlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record

from .channels.base import PermanentSendError, SendError
from .models import Channel, StaffMessaging

logger = logging.getLogger(__name__)

STAFF = "accounts.user"
PROVIDERS = ("wecom", "dingtalk")
#: the staff messages that follow the user's choice
ROUTED_TEMPLATES = {"generic_alert", "generic_message"}


def provider_label(provider: str) -> str:
    return str(StaffMessaging.Choice(provider).label)


def configured(provider: str) -> bool:
    if provider == "wecom":
        return bool(settings.WECOM_CORP_ID and settings.WECOM_SECRET and settings.WECOM_AGENT_ID)
    if provider == "dingtalk":
        return bool(settings.DINGTALK_APP_KEY and settings.DINGTALK_APP_SECRET and settings.DINGTALK_AGENT_ID)
    return False


def _client(provider: str):
    """The provider's channel module (wechatpy is imported only where WeCom is used)."""
    return importlib.import_module(f"notifications.channels.{provider}")


def configured_providers() -> list[str]:
    return [p for p in PROVIDERS if configured(p)]


def staff_channel(*, user_id) -> str | None:
    """The provider this staff user's messages go to, or None for e-mail: chosen, configured and bound."""
    row = StaffMessaging.objects.filter(user_id=user_id).first()
    if row is None or row.channel == StaffMessaging.Choice.EMAIL:
        return None
    if not configured(row.channel):
        logger.info("staff user #%s chose %s, which is not configured: e-mail instead", user_id, row.channel)
        return None
    if not row.provider_userid(row.channel):
        logger.info("staff user #%s chose %s but is not bound: e-mail instead", user_id, row.channel)
        return None
    return row.channel


def route(*, recipient_type: str, recipient_id, channel: str, template_key: str, attachments=()) -> str:
    """The channel a message takes: a staff message by e-mail goes to the user's WeCom / DingTalk instead."""
    if (recipient_type != STAFF or channel != Channel.EMAIL or attachments
            or template_key not in ROUTED_TEMPLATES):
        return channel
    return staff_channel(user_id=recipient_id) or channel


def extra_channels(*, user_id, channels) -> list[str]:
    """An alert sent in the app (and by SMS / call) but not by e-mail goes to a user's WeCom / DingTalk too."""
    if Channel.EMAIL in channels:
        return []
    provider = staff_channel(user_id=user_id)
    return [provider] if provider and provider not in channels else []


def staff_messaging_of(user) -> StaffMessaging:
    """The user's row, unsaved with the defaults when they never chose."""
    return StaffMessaging.objects.filter(user=user).first() or StaffMessaging(user=user)


@transaction.atomic
def staff_messaging_set(*, user, channel: str, actor) -> StaffMessaging:
    """Set where ``user``'s staff messages go (by the user on their Messages page, or by HR in the admin)."""
    if channel not in StaffMessaging.Choice.values:
        raise ValidationError({"channel": [_("Unknown channel %(channel)s.") % {"channel": channel}]})
    if channel != StaffMessaging.Choice.EMAIL and not configured(channel):
        raise ValidationError({"channel": [_("%(provider)s is not set up for this system.")
                                           % {"provider": provider_label(channel)}]})
    row, _created = StaffMessaging.objects.select_for_update().get_or_create(user=user)
    old = row.channel
    if old != channel:
        row.channel = channel
        row.save(update_fields=["channel", "updated_at"])
        audit_record(actor=actor, action="staff_messaging.set", obj=row, changes={"channel": [old, channel]})
    return row


def staff_im_bind(*, user, provider: str, actor) -> str:
    """Find ``user`` in WeCom / DingTalk by their mobile number and store their id there.

    Returns ``"bound"``, ``"not_found"`` (no member with that number, or outside the app's visible range: a
    previous binding is removed) or ``"no_phone"``. A provider that fails raises a ValidationError saying so;
    nothing is changed then. The look-up (HTTP) runs outside any transaction; the write is one transaction.
    """
    if provider not in PROVIDERS:
        raise ValidationError({"provider": [_("Unknown channel %(channel)s.") % {"channel": provider}]})
    if not configured(provider):
        raise ValidationError({"provider": [_("%(provider)s is not set up for this system.")
                                            % {"provider": provider_label(provider)}]})
    if not user.phone:
        return "no_phone"
    try:
        userid = _client(provider).lookup_by_mobile(user.phone)
    except SendError as exc:
        logger.warning("binding staff user #%s to %s failed: %s", user.pk, provider, exc.code)
        message = (_("%(provider)s refused the look-up (%(code)s): check the app's rights, its visible range and "
                     "trusted IP addresses.") if isinstance(exc, PermanentSendError)
                   else _("%(provider)s did not answer (%(code)s). Try again later."))
        raise ValidationError({"provider": [message % {"provider": provider_label(provider), "code": exc.code}]})
    with transaction.atomic():
        row, _created = StaffMessaging.objects.select_for_update().get_or_create(user=user)
        field, at_field = f"{provider}_userid", f"{provider}_bound_at"
        was_bound = bool(getattr(row, field))
        if userid:
            setattr(row, field, userid)
            setattr(row, at_field, timezone.now())
        elif was_bound:
            setattr(row, field, "")
            setattr(row, at_field, None)
        if userid or was_bound:
            row.save(update_fields=[field, at_field, "updated_at"])
            audit_record(actor=actor, action="staff_messaging.bind", obj=row,
                         changes={provider: [was_bound, bool(userid)]})
    logger.info("staff user #%s %s %s", user.pk, "bound to" if userid else "not found in", provider)
    return "bound" if userid else "not_found"
