"""What the domestic SMS backends share (R-CN-1): the provider template code and parameters of a message, and
the phone number as the provider wants it.

Aliyun and Tencent Cloud send only templates registered and approved beforehand, under a registered signature;
the message's own text (``Notification.body``) is what HR reads and what the evidence shows, and HR keeps it the
same as the registered one. A template without a code for the configured provider fails permanently with a
reason HR sees.
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _

from notifications.models import SmsProviderTemplate, TrackedLink
from notifications.rendering import URL_RE, pick_template, with_derived

from .base import PermanentSendError


def provider_template(notification, provider: str) -> tuple[str, list[tuple[str, str]]]:
    """(template code, [(provider parameter name, value)]) of a notification for ``provider``.

    Values come from the notification's stored context (the links in them rewritten to the tracked ``/l/``
    links, as in the text). PermanentSendError if the template has no code for the provider.
    """
    template = pick_template(notification.template_key, notification.language, "sms")
    mapping = (SmsProviderTemplate.objects.filter(template=template, provider=provider).first()
               if template is not None else None)
    if mapping is None:
        label = dict(SmsProviderTemplate.Provider.choices)[provider]
        raise PermanentSendError(
            _("The message template has no template code for %(provider)s: add it in the template editor.")
            % {"provider": label}, code="no_template_code")
    try:
        pairs = mapping.parameter_pairs()
    except ValueError as exc:
        raise PermanentSendError(str(exc), code="bad_template_parameters") from exc
    context = json.loads(notification.context or "{}")
    context = with_derived({"recipient_name": notification.recipient_name, **context},
                           language=notification.language)
    base = settings.PUBLIC_BASE_URL
    tracked = {link.target_url: f"{base}/l/{link.token}" for link in TrackedLink.objects.filter(
        notification_id=notification.pk).only("target_url", "token")}
    values = []
    for name, variable in pairs:
        value = "" if context.get(variable) is None else str(context[variable])
        values.append((name, URL_RE.sub(lambda m: tracked.get(m.group(0), m.group(0)), value)))
    return mapping.code, values


def require_phone(notification) -> str:
    if not notification.recipient_phone:
        raise PermanentSendError("no phone number", code="no_phone")
    return notification.recipient_phone


def aliyun_number(phone: str) -> str:
    """Aliyun: a mainland number without its +86, others as country code and number without the plus."""
    return phone[3:] if phone.startswith("+86") else phone.lstrip("+")


def sign_name(provider: str) -> str:
    return {"aliyun": getattr(settings, "ALIYUN_SMS_SIGN_NAME", ""),
            "tencent": getattr(settings, "TENCENT_SMS_SIGN_NAME", "")}.get(provider, "")


def configured_provider() -> str:
    """The domestic provider SMS_BACKEND selects, or ""."""
    backend = getattr(settings, "SMS_BACKEND", "console")
    return backend if backend in SmsProviderTemplate.Provider.values else ""
