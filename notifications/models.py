"""The outbox (R-NS-3, R-NS-4, R-INT-3).

A ``Notification`` is written inside the caller's transaction and sent after
commit by a worker; every try is a ``DeliveryAttempt``, every provider callback
a ``DeliveryReceipt``; what the recipient did (opened a link, pressed 1 on a
call) is a ``CandidateAction``. Together they are the evidence that the
employer told the candidate.
"""

import json
import re
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.fields import EncryptedTextField

from .catalog import is_secret, template_label


def _token() -> str:
    return secrets.token_urlsafe(12)


#: A one-time code inside a message (six digits, as the portal issues them).
SECRET_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")

class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")
    IN_APP = "in_app", _("In-app")
    WECOM = "wecom", _("WeCom")  # staff app messages (R-CN-2): notifications/channels/wecom.py
    DINGTALK = "dingtalk", _("DingTalk")  # staff work notices (R-CN-2): notifications/channels/dingtalk.py


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


#: How far along a notification is; provider callbacks only ever move it up (out-of-order safe).
STATUS_RANK = {
    Status.PENDING: 0, Status.SENDING: 1, Status.SENT: 2, Status.DELIVERED: 3, Status.FAILED: 3, Status.READ: 4,
    Status.CANCELLED: 5,
}


class MessageTemplate(models.Model):
    """One message text per key, language and channel, editable by HR (validated on save).

    A blank channel serves every channel without a text of its own.
    """

    key = models.CharField(_("template key"), max_length=60, db_index=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True,
                               help_text=_("Leave blank for a text used by every channel."))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text body"), help_text=_("Django template syntax, e.g. {{ candidate_name }}."))
    html_body = models.TextField(_("HTML body"), blank=True,
                                 help_text=_("Email only; generated from the text body when blank."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["key", "language", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["key", "language", "channel"], name="notif_template_unique"),
        ]

    def __str__(self):
        return f"{template_label(self.key)} [{self.get_language_display()}] {self.get_channel_display() or '*'}"

    def clean(self):
        from .rendering import validate_template  # noqa: PLC0415 - a cycle: rendering reads MessageTemplate

        validate_template(self.key, subject=self.subject, body=self.body, html_body=self.html_body)


class EscalationPolicy(models.Model):
    """"If not delivered / not opened within X, send via channel Y" (R-NS-3)."""

    class Trigger(models.TextChoices):
        NOT_DELIVERED = "not_delivered", _("Not delivered")
        NOT_OPENED = "not_opened", _("Not opened / not answered")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    after_minutes = models.PositiveIntegerField(_("after (minutes)"), default=60)
    fallback_channel = models.CharField(
        _("fallback channel"), max_length=10, choices=[*Channel.choices, ("auto", _("Preferred channel"))],
        help_text=_("'Preferred channel' picks the best other channel learned from the recipient's answers."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        ordering = ["code"]

    def __str__(self):
        return self.name


class NotificationQuerySet(ScopedQuerySet):
    def for_recipient(self, recipient_type: str, recipient_id):
        return self.filter(recipient_type=recipient_type, recipient_id=str(recipient_id))


class Notification(ConcurrentTransitionMixin, models.Model):
    """One message to one person on one channel (R-NS-3, R-NS-4)."""

    public_token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    recipient_type = models.CharField(_("recipient type"), max_length=60, db_index=True,
                                      help_text=_('e.g. "candidates.candidate" or "accounts.user"'))
    recipient_id = models.CharField(_("recipient id"), max_length=64, db_index=True)
    recipient_name = EncryptedTextField(_("recipient name"), blank=True, default="")
    recipient_email = EncryptedTextField(_("email"), blank=True, default="")
    recipient_phone = EncryptedTextField(_("phone"), blank=True, default="")
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    time_zone = models.CharField(_("time zone"), max_length=60, default="Asia/Shanghai")
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template_key = models.CharField(_("template key"), max_length=60)
    context = EncryptedTextField(_("template context (JSON)"), blank=True, default="",
                                 help_text=_("Kept to re-render the message on another channel when escalating."))
    # the rendered texts name people, salaries, places and times: encrypted at rest (R-SEC-2)
    subject = EncryptedTextField(_("subject"), blank=True)
    body = EncryptedTextField(_("body"))
    html_body = EncryptedTextField(_("HTML body"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True,
                                   help_text=_("[{filename, content_type, content_b64}]"))
    related_type = models.CharField(_("related object type"), max_length=60, blank=True, db_index=True)
    related_id = models.CharField(_("related object id"), max_length=64, blank=True, db_index=True)

    status = FSMField(_("status"), default=Status.PENDING, choices=Status.choices, protected=True, db_index=True)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True,
                                           help_text=_("Due time, moved by quiet hours and retry back-off."))
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True,
                                       help_text=_("A sending row not finished by then is picked up again."))
    ignore_quiet_hours = models.BooleanField(_("ignore quiet hours"), default=False,
                                             help_text=_("Urgent messages; never applies to voice calls."))
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("max attempts"), default=5)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True, db_index=True)
    last_error_code = models.CharField(_("last error code"), max_length=40, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    escalation_policy = models.ForeignKey(EscalationPolicy, verbose_name=_("escalation policy"), null=True,
                                          blank=True, on_delete=models.SET_NULL, related_name="notifications")
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_from = models.ForeignKey("self", verbose_name=_("escalated from"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="escalations")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    erased_at = models.DateTimeField(_("text erased"), null=True, blank=True,
                                     help_text=_("The message text was removed after its retention period."))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    scope_path = "department"
    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient_type", "recipient_id", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} · {template_label(self.template_key)} #{self.pk}"

    def _shown(self, text: str) -> str:
        return SECRET_DIGITS.sub("••••••", text) if is_secret(self.template_key) else text

    @property
    def visible_body(self) -> str:
        """The text as staff may read it: a sign-in code is masked (R-PORTAL-1, R-SEC-3)."""
        return self._shown(self.body)

    @property
    def visible_html_body(self) -> str:
        return self._shown(self.html_body)

    def redact_secret(self) -> list[str]:
        """Remove the secret from the stored row once it is no longer needed for sending; the fields changed."""

        if not is_secret(self.template_key):
            return []
        self.body, self.html_body = self.visible_body, self.visible_html_body
        data = json.loads(self.context) if self.context else {}
        if isinstance(data, dict) and "code" in data:
            self.context = json.dumps({**data, "code": "••••••"}, ensure_ascii=False)
        return ["body", "html_body", "context"]

    # Transitions: guards and same-row bookkeeping only, never I/O.
    @transition(field=status, source=Status.PENDING, target=Status.SENDING)
    def claim(self, *, now, lease_seconds):
        self.lease_until = now + timezone.timedelta(seconds=lease_seconds)

    # PENDING as a source: a provider callback may prove that a try we counted as
    # failed (a timeout) did go out; then it must not be sent again.
    @transition(field=status, source=[Status.SENDING, Status.PENDING], target=Status.SENT)
    def mark_sent(self, *, provider_message_id, now):
        self.provider_message_id = provider_message_id or self.provider_message_id
        self.sent_at = self.sent_at or now
        self.lease_until = None

    @transition(field=status, source=Status.SENDING, target=Status.PENDING,
                conditions=[lambda n: n.attempt_count < n.max_attempts])
    def retry_later(self, *, at, code, message):
        self.next_attempt_at = at
        self.lease_until = None
        self.last_error_code, self.last_error = code, message

    @transition(field=status, source=[Status.SENDING, Status.SENT], target=Status.FAILED)
    def fail(self, *, now, code="", message=""):
        self.failed_at = now
        self.lease_until = None
        if code or message:
            self.last_error_code, self.last_error = code, message

    @transition(field=status, source=[Status.PENDING, Status.SENDING, Status.SENT], target=Status.DELIVERED)
    def mark_delivered(self, *, now):
        self.delivered_at = self.delivered_at or now
        self.sent_at = self.sent_at or now

    @transition(field=status, source=[Status.PENDING, Status.SENDING, Status.SENT, Status.DELIVERED],
                target=Status.READ)
    def mark_read(self, *, now):
        self.read_at = self.read_at or now
        self.delivered_at = self.delivered_at or now
        self.sent_at = self.sent_at or now

    @transition(field=status, source=Status.PENDING, target=Status.CANCELLED)
    def cancel(self, *, now):
        self.cancelled_at = now


class DeliveryAttempt(models.Model):
    """One try to hand a notification to its provider (R-NS-4)."""

    class Outcome(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In flight")
        SENT = "sent", _("Accepted by provider")
        RECOVERED = "recovered", _("Found at provider (not resent)")
        TRANSIENT_ERROR = "transient_error", _("Temporary error")
        PERMANENT_ERROR = "permanent_error", _("Permanent error")
        ABANDONED = "abandoned", _("Interrupted (worker lost)")

    notification = models.ForeignKey(Notification, verbose_name=_("notification"), on_delete=models.CASCADE,
                                     related_name="attempts")
    number = models.PositiveSmallIntegerField(_("number"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    backend = models.CharField(_("backend"), max_length=40)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.IN_FLIGHT)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    response = models.JSONField(_("provider response"), default=dict, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)

    scope_path = "notification__department"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["notification_id", "number"]
        constraints = [models.UniqueConstraint(fields=["notification", "number"], name="notif_attempt_unique")]

    def __str__(self):
        return f"#{self.number} {self.outcome}"


class ProviderCircuit(models.Model):
    """A sending backend's circuit breaker (issue 21 item 3): after ``NOTIFICATIONS_CIRCUIT_THRESHOLD`` failures
    in a row that are worth another try (5xx, 429, timeouts, refused connections) the backend is paused for
    ``NOTIFICATIONS_CIRCUIT_OPEN_SECONDS``: its due messages wait, no try counted, instead of each burning its
    attempts against a provider that is down. Then a few go as a probe; one success closes it."""

    backend = models.CharField(_("sending backend"), max_length=40, unique=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    open_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    opened_count = models.PositiveIntegerField(_("times paused"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("provider circuit")
        verbose_name_plural = _("provider circuits")
        ordering = ["backend"]

    def __str__(self):
        return self.backend


class DeliveryReceipt(models.Model):
    """A provider's status callback, stored raw (R-NS-4). Replays are recognised by their digest."""

    notification = models.ForeignKey(Notification, verbose_name=_("notification"), null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="receipts")
    provider = models.CharField(_("provider"), max_length=20, default="twilio")
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True, db_index=True)
    provider_status = models.CharField(_("provider status"), max_length=30)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    payload = EncryptedTextField(_("raw callback (JSON)"))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    applied = models.BooleanField(_("changed the status"), default=False)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    scope_path = "notification__department"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")
        ordering = ["received_at", "id"]

    def __str__(self):
        return f"{self.provider} {self.provider_message_id} {self.provider_status}"


class TrackedLink(models.Model):
    """A link in a message, rewritten to ``/l/<token>`` so opening it is recorded (R-NS-3, R-NS-4)."""

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    notification = models.ForeignKey(Notification, verbose_name=_("notification"), on_delete=models.CASCADE,
                                     related_name="links")
    target_url = models.URLField(_("target URL"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tracked link")
        verbose_name_plural = _("tracked links")

    def __str__(self):
        return self.target_url


class CandidateAction(models.Model):
    """What a recipient did in answer to a message: opened, confirmed, asked to reschedule (R-NS-2, R-NS-4)."""

    class Kind(models.TextChoices):
        LINK_OPEN = "link_open", _("Opened a link")
        EMAIL_OPEN = "email_open", _("Opened the email")
        CONFIRM = "confirm", _("Confirmed")
        RESCHEDULE = "reschedule", _("Asked to reschedule")
        DECLINE = "decline", _("Declined")
        KEYPRESS = "keypress", _("Pressed a key")
        REPLY = "reply", _("Replied")
        PORTAL = "portal", _("Portal action")

    recipient_type = models.CharField(_("recipient type"), max_length=60)
    recipient_id = models.CharField(_("recipient id"), max_length=64)
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    notification = models.ForeignKey(Notification, verbose_name=_("notification"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="actions")
    link = models.ForeignKey(TrackedLink, verbose_name=_("link"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="opens")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, blank=True,
                               help_text=_("Where the recipient answered: email, sms, voice, portal ..."))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    scope_path = "department"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidate action")
        verbose_name_plural = _("candidate actions")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["recipient_type", "recipient_id", "at"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.channel})"


class SmsProviderTemplate(models.Model):
    """A message template's registered counterpart at a domestic SMS provider (R-CN-1): Aliyun and Tencent Cloud
    send only templates approved beforehand, under a registered signature, filled with parameters. ``parameters``
    maps the provider's parameter names (Aliyun ``${name}``; Tencent ``{1}``, ``{2}`` ... in that order) to the
    message's variables, one ``name=variable`` a line."""

    class Provider(models.TextChoices):
        ALIYUN = "aliyun", _("Aliyun SMS")
        TENCENT = "tencent", _("Tencent Cloud SMS")

    template = models.ForeignKey(MessageTemplate, verbose_name=_("message template"), on_delete=models.CASCADE,
                                 related_name="provider_codes")
    provider = models.CharField(_("SMS provider"), max_length=20, choices=Provider.choices)
    code = models.CharField(_("provider template code"), max_length=60,
                            help_text=_("The code the provider gave the approved template, e.g. SMS_123456789 "
                                        "(Aliyun) or 1234567 (Tencent)."))
    parameters = models.TextField(
        _("template parameters"), blank=True,
        help_text=_("One per line: the provider's parameter name = the message variable, e.g. "
                    "\"name=recipient_name\" (Aliyun ${name}) or \"1=recipient_name\" (Tencent {1})."))

    class Meta:
        verbose_name = _("provider SMS template")
        verbose_name_plural = _("provider SMS templates")
        ordering = ["template_id", "provider"]
        constraints = [models.UniqueConstraint(fields=["template", "provider"], name="notif_sms_provider_unique")]

    def __str__(self):
        return f"{self.get_provider_display()} {self.code}"

    def parameter_pairs(self) -> list[tuple[str, str]]:
        """[(provider name, variable)] in the order written; ValueError for a malformed line."""
        pairs = []
        for number, line in enumerate(self.parameters.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            name, sep, variable = (part.strip() for part in line.partition("="))
            if not sep or not name or not variable:
                raise ValueError(_("Line %(number)d is not \"name=variable\".") % {"number": number})
            pairs.append((name, variable))
        return pairs

    def clean(self):
        from django.core.exceptions import ValidationError  # noqa: PLC0415 - only when a form validates

        from .catalog import TEMPLATE_KEYS, allowed_variables  # noqa: PLC0415 - a cycle: the catalog reads these models

        try:
            pairs = self.parameter_pairs()
        except ValueError as exc:
            raise ValidationError({"parameters": [str(exc)]}) from exc
        names = [name for name, _variable in pairs]
        if len(set(names)) != len(names):
            raise ValidationError({"parameters": [_("A parameter name is given twice.")]})
        try:
            key = self.template.key
        except MessageTemplate.DoesNotExist:
            key = ""
        if key in TEMPLATE_KEYS:
            allowed = allowed_variables(key) | {"recipient_name", "position"}
            unknown = sorted({variable for _name, variable in pairs} - allowed)
            if unknown:
                raise ValidationError({"parameters": [
                    _("Unknown variables: %(names)s. Allowed: %(allowed)s.")
                    % {"names": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}]})
        if self.provider == self.Provider.TENCENT and any(not name.isdigit() for name in names):
            raise ValidationError({"parameters": [_("Tencent Cloud parameters are numbered: 1=..., 2=...")]})


class StaffMessaging(models.Model):
    """Where one staff user gets their staff messages (reminders, feedback due, approvals waiting, alerts) and
    their accounts in WeCom / DingTalk (R-CN-2, R-INT-3).

    ``channel`` is the user's choice: e-mail (the default, also for a user without this row), WeCom or DingTalk;
    in-app messages stay as they are. A provider user id is found by the user's mobile number through the
    provider's API (``notifications.staff_im.staff_im_bind``); it is stored encrypted. A user who chose WeCom or
    DingTalk but is not bound (or whose provider is not configured) keeps getting e-mail.
    """

    class Choice(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="staff_messaging")
    channel = models.CharField(_("staff messages by"), max_length=10, choices=Choice.choices,
                               default=Choice.EMAIL)
    wecom_userid = EncryptedTextField(_("WeCom user id"), blank=True, default="")
    wecom_bound_at = models.DateTimeField(_("bound to WeCom"), null=True, blank=True)
    dingtalk_userid = EncryptedTextField(_("DingTalk user id"), blank=True, default="")
    dingtalk_bound_at = models.DateTimeField(_("bound to DingTalk"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # HR staff and managers see their departments' colleagues (as the user list); everyone sees their own
    scope_path = "user__departments"
    scope_owner = "user"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff messaging")
        verbose_name_plural = _("staff messaging")

    def __str__(self):
        return f"{self.user_id}: {self.channel}"

    def provider_userid(self, provider: str) -> str:
        return {"wecom": self.wecom_userid, "dingtalk": self.dingtalk_userid}.get(provider, "")
