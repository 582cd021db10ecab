"""Subscriptions, events and their deliveries (R-INT-2).

An :class:`Event` is written once, in the transaction of the change it reports, with its JSON body frozen
(the same bytes on every try and every replay, so the event id de-duplicates). Each active subscription of
the event's organisation that asked for its type gets one :class:`Delivery`; the worker posts it, signed,
and records each try as a :class:`DeliveryAttempt` (the attempt is committed before the request is made, so
a worker killed mid-request leaves a trace the next try sees).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hrsys.accounts.models import Department
from hrsys.accounts.scope import ScopedQuerySet
from hrsys.core import safe_http
from hrsys.crypto.fields import EncryptedTextField

from .types import EVENT_TYPES


def _default_max_attempts():
    return int(getattr(settings, "EVENTS_MAX_ATTEMPTS", 8))


def validate_subscription_url(url: str) -> None:
    """https (http only for the EVENTS_HTTP_HOSTS development setting), no user or password, and an IP
    address given literally must be public unless EVENTS_ALLOW_PRIVATE_HOSTS names it. Names are resolved
    and checked again on every delivery (``hrsys.core.safe_http``, R-SEC-1)."""
    try:
        target = safe_http.check_url(url, allowed_hosts=[safe_http._own_host(url)],
                                     http_hosts=getattr(settings, "EVENTS_HTTP_HOSTS", ()))
    except safe_http.Refused as exc:
        raise ValidationError(exc.reason) from None
    try:
        kind = safe_http.classify_address(target.host.strip("[]"))
    except ValueError:
        return  # a name, checked when it is resolved
    if kind is not None and not safe_http.host_matches(target.host, getattr(settings, "EVENTS_ALLOW_PRIVATE_HOSTS", ())):
        raise ValidationError(_("The address %(host)s is a %(kind)s address; events go to public addresses only.")
                              % {"host": target.host, "kind": safe_http.ADDRESS_KINDS[kind]})


class Subscription(models.Model):
    """An integrator's endpoint for one organisation's events (R-INT-2). The secret signs every delivery."""

    organisation = models.ForeignKey(Department, verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="event_subscriptions",
                                     limit_choices_to={"kind": Department.Kind.ORGANIZATION})
    name = models.CharField(_("name"), max_length=100, help_text=_("who receives these events, e.g. the payroll system"))
    url = models.URLField(_("URL"), max_length=500, validators=[validate_subscription_url],
                          help_text=_("https address the events are posted to"))
    secret = EncryptedTextField(_("signing secret"),
                                help_text=_("shared secret of the X-Hrsys-Signature HMAC; stored encrypted, never shown"))
    event_types = models.JSONField(_("event types"), default=list,
                                   help_text=_("the events to send, e.g. [\"application.created\"]"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "organisation"

    class Meta:
        verbose_name = _("event subscription")
        verbose_name_plural = _("event subscriptions")
        ordering = ["organisation_id", "name", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.organisation_id and self.organisation.kind != Department.Kind.ORGANIZATION:
            errors["organisation"] = [_("Choose a hospital or company, not a department.")]
        if not isinstance(self.event_types, list) or not self.event_types or \
                not all(isinstance(t, str) for t in self.event_types):
            errors["event_types"] = [_("Choose at least one event type.")]
        else:
            unknown = [t for t in self.event_types if t not in EVENT_TYPES]
            if unknown:
                errors["event_types"] = [_("Unknown event types: %(types)s. Known: %(known)s.")
                                         % {"types": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)}]
            self.event_types = sorted(set(self.event_types), key=list(EVENT_TYPES).index)
        if not (self.secret or "").strip() or len(self.secret.strip()) < 16:
            errors["secret"] = [_("Give a secret of at least 16 characters.")]
        if errors:
            raise ValidationError(errors)


class Event(models.Model):
    """Something that happened, once: its id is what receivers de-duplicate by (R-INT-2)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=60, db_index=True)
    organisation = models.ForeignKey(Department, verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="+")
    occurred_at = models.DateTimeField(_("occurred"), default=timezone.now)
    body = models.TextField(_("body"), help_text=_("the JSON posted, byte for byte the same on every try"))

    objects = ScopedQuerySet.as_manager()
    scope_path = "organisation"

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-occurred_at"]

    def __str__(self):
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("sending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", pgettext_lazy("event delivery status", "failed")


class Delivery(models.Model):
    """One event to one subscription: tried until a 2xx, a permanent refusal or the last attempt."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE,
                                     related_name="deliveries")
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING, db_index=True)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("maximum attempts"), default=_default_max_attempts)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, db_index=True)
    #: pending: handed to the queue until then; sending: a worker holds it until then
    lease_until = models.DateTimeField(null=True, blank=True, db_index=True)
    last_status_code = models.PositiveIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True, default="")
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    replay_of = models.ForeignKey("self", verbose_name=_("replay of"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="replays")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "subscription__organisation"

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="events_delivery_due")]

    def __str__(self):
        return f"{self.event.type} -> {self.subscription} ({self.get_status_display()})"


class DeliveryAttempt(models.Model):
    class Outcome(models.TextChoices):
        IN_FLIGHT = "in_flight", _("in flight")
        DELIVERED = "delivered", _("delivered")
        RETRY = "retry", _("failed, will retry")
        PERMANENT = "permanent", _("refused, not retried")
        ABANDONED = "abandoned", _("worker lost before the outcome was recorded")

    delivery = models.ForeignKey(Delivery, verbose_name=_("event delivery"), on_delete=models.CASCADE,
                                 related_name="attempts")
    number = models.PositiveIntegerField(_("number"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.IN_FLIGHT)
    status_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True, default="")
    response_excerpt = models.CharField(_("response (start)"), max_length=500, blank=True, default="")

    objects = ScopedQuerySet.as_manager()
    scope_path = "delivery__subscription__organisation"

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery_id", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="events_attempt_number_unique")]

    def __str__(self):
        return f"#{self.number} {self.get_outcome_display()}"
