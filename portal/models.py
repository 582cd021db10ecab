"""The portal's own records: one-time codes, used links and sessions (R-PORTAL-1), and candidates' requests for
a copy or the deletion of their data (R-SEC-6); consent is recorded per purpose in ``candidates.ConsentRecord``.

Secrets are never stored: codes and session keys are kept as HMAC-SHA256 digests.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.storage import encrypted_storage


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS or email: valid 10 minutes, at most 5 tries, used once."""

    candidate = models.ForeignKey("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="portal_codes")
    channel = models.CharField(_("channel"), max_length=10)
    code_hash = models.CharField(_("code digest"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("requested from"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal one-time code")
        verbose_name_plural = _("portal one-time codes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"code #{self.pk} ({self.channel})"


class UsedLink(models.Model):
    """A portal link that opened a session: a second use is refused (the nonce is unique)."""

    nonce = models.CharField(_("link nonce"), max_length=40, unique=True)
    candidate = models.ForeignKey("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="+")
    purpose = models.CharField(_("purpose"), max_length=20)
    used_at = models.DateTimeField(_("used"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("used portal link")
        verbose_name_plural = _("used portal links")

    def __str__(self):
        return self.nonce


class PortalSession(models.Model):
    """A candidate's short portal session, separate from staff authentication."""

    candidate = models.ForeignKey("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="portal_sessions")
    key_hash = models.CharField(_("key digest"), max_length=64, unique=True)
    method = models.CharField(_("opened with"), max_length=10)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal session")
        verbose_name_plural = _("portal sessions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"session #{self.pk}"


def subject_copy_upload_to(instance, filename):
    return f"subject_requests/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.zip"


class SubjectRequest(models.Model):
    """A candidate's request for a copy of their data or for its deletion (PIPL arts. 45 and 47, R-SEC-6).

    HR carries it out by ``due_at`` (``PRIVACY_REQUEST_DUE_DAYS`` after it came in, 15 by default: PIPL sets no
    number of days; 15 is what the national standard GB/T 35273 asks for answering a data subject). A prepared
    copy is a ZIP stored encrypted like every candidate file, downloadable by the candidate until
    ``copy_expires_at``; the deletion removes the person's data and keeps this row (who asked, when, the outcome).
    """

    class Kind(models.TextChoices):
        COPY = "copy", _("Copy of my data")
        DELETION = "deletion", _("Deletion of my data")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Candidate portal")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person")

    candidate = models.ForeignKey("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.PROTECT,
                                  related_name="subject_requests")
    kind = models.CharField(_("request"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    channel = models.CharField(_("received through"), max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), db_index=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    copy_file = models.FileField(_("prepared copy"), upload_to=subject_copy_upload_to, blank=True, max_length=200,
                                 storage=encrypted_storage("subject_copy"))
    copy_size = models.PositiveBigIntegerField(_("copy size (bytes)"), default=0)
    copy_expires_at = models.DateTimeField(_("copy downloadable until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "candidate__applications"

    class Meta:
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["candidate", "kind"], condition=Q(state="open"),
                                               name="portal_one_open_request_per_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def overdue(self) -> bool:
        return self.state == self.State.OPEN and self.due_at is not None and self.due_at < timezone.now()

    @property
    def copy_available(self) -> bool:
        return (self.kind == self.Kind.COPY and self.state == self.State.DONE and bool(self.copy_file)
                and self.copy_expires_at is not None and self.copy_expires_at > timezone.now())
