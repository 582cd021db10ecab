"""Retention policies per organisation, the record of each nightly sweep (R-SEC-5) and data subject requests
(R-SEC-6)."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.storage import encrypted_storage

from .registry import UnknownDataClass, data_class


class RetentionPolicy(models.Model):
    """How many days one organisation keeps one class of personal data; without a row the default applies."""

    organization = models.ForeignKey("accounts.Department", verbose_name=_("organisation"), on_delete=models.CASCADE,
                                     related_name="retention_policies", limit_choices_to={"kind": "organization"})
    data_class = models.CharField(_("data class"), max_length=40)
    days = models.PositiveIntegerField(_("kept (days)"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "organization"

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        ordering = ["organization", "data_class"]
        constraints = [models.UniqueConstraint(fields=["organization", "data_class"], name="privacy_policy_once")]

    def __str__(self):
        return f"{self.data_class}: {self.days}"

    def clean(self):
        errors = {}
        try:
            cls = data_class(self.data_class)
        except UnknownDataClass:
            errors["data_class"] = [_("Unknown data class.")]
            cls = None
        if cls and self.days is not None and self.days < cls.floor_days:
            errors["days"] = [_("%(label)s must be kept at least %(days)s days.")
                              % {"label": cls.label, "days": cls.floor_days}]
        if cls and not cls.editable:
            errors["data_class"] = [_("%(label)s is kept as set %(where)s.") % {"label": cls.label,
                                                                                 "where": cls.set_where}]
        if self.organization_id and self.organization.kind != "organization":
            errors["organization"] = [_("Choose an organisation (a hospital or a company).")]
        if errors:
            raise ValidationError(errors)


class RetentionSweep(models.Model):
    """One night's sweep: counts per data class only, never whom (R-SEC-5)."""

    day = models.DateField(_("night of"), unique=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counts = models.JSONField(_("removed per data class"), default=dict, blank=True)

    class Meta:
        verbose_name = _("retention sweep")
        verbose_name_plural = _("retention sweeps")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day}"


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

    candidate = models.ForeignKey("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.PROTECT,
                                  related_name="subject_requests")
    kind = models.CharField(_("request"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    class Channel(models.TextChoices):
        PORTAL = "portal", _("Candidate portal")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person")

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
                                               name="privacy_one_open_request_per_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def overdue(self) -> bool:
        return self.state == self.State.OPEN and self.due_at is not None and self.due_at < timezone.now()

    @property
    def copy_available(self) -> bool:
        return (self.kind == self.Kind.COPY and self.state == self.State.DONE and bool(self.copy_file)
                and self.copy_expires_at is not None and self.copy_expires_at > timezone.now())
