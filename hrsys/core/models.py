from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskProbe(models.Model):
    """A round trip web -> broker -> worker, recorded so health checks and tests can see it."""

    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("task probe")
        verbose_name_plural = _("task probes")

    def __str__(self):
        return f"probe {self.pk}"


class TickRun(models.Model):
    """One run of the periodic sweeps (beat or ``manage.py hr_tick``): when, for which moment, what it did."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    moment = models.DateTimeField(_("moment"))
    # the beat period this run claimed (its start): a second beat, or a tick delivered twice, finds it taken and
    # runs nothing (issue 21 item 4); runs by hand claim none
    slot = models.DateTimeField(_("beat period"), null=True, blank=True, unique=True)
    source = models.CharField(_("source"), max_length=20)
    results = models.JSONField(_("results"), default=dict)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.source} {self.moment:%Y-%m-%d %H:%M}"
