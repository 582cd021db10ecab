"""The portal's own records: one-time codes, used links and sessions (R-PORTAL-1); consent is
recorded per purpose in ``candidates.ConsentRecord``.

Secrets are never stored: codes and session keys are kept as HMAC-SHA256 digests.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
