"""Retention policies per organisation and the record of each nightly sweep (R-SEC-5)."""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.scope import ScopedQuerySet

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
