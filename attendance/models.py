"""Attendance: accounts provisioned from accepted offers, devices and their punches, shifts, leave, daily
results and the probation review (R-ATT-1..5, R-AI-4, R-HOSP-1).

Transitions are guards only (no I/O, no other rows); ``attendance.services`` runs them.
Times are stored in UTC; shift templates are written in local time (``TIME_ZONE``, Asia/Shanghai by
default; see ``hrsys.core.timezones``).
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.fields import EncryptedTextField

# -- accounts (R-ATT-1, R-ATT-2) ------------------------------------------------------------------------


class AccountState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class DoorAccessGroup(models.Model):
    """A door-controller access group granted to everyone of a department (and the departments below it)."""

    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.CASCADE,
                                   related_name="door_groups")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=120)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("door access group")
        verbose_name_plural = _("door access groups")
        ordering = ["department", "code"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="attendance_doorgroup_unique")]

    def __str__(self):
        return f"{self.name} ({self.code})"


class AttendanceAccount(ConcurrentTransitionMixin, models.Model):
    """The clock-in identity of a new hire, scheduled from the accepted offer (R-ATT-1).

    scheduled -> active (on the start date) -> suspended -> active | revoked; scheduled -> revoked
    (withdrawn offer, candidate withdrew, day-one no-show).
    """

    offer = models.OneToOneField("onboarding.Offer", verbose_name=_("offer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="attendance_account")
    application = models.ForeignKey("candidates.Application", verbose_name=_("application"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="attendance_accounts")
    employee = models.ForeignKey("employees.Employee", verbose_name=_("employee"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="attendance_accounts")
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="attendance_accounts")
    holder_name = models.CharField(_("name"), max_length=100)
    clock_id = models.CharField(_("clock-in id"), max_length=20, unique=True, null=True, blank=True)
    door_groups = models.JSONField(_("door access groups"), default=list, blank=True)
    state = FSMField(_("state"), default=AccountState.SCHEDULED, choices=AccountState.choices, protected=True,
                     db_index=True)
    effective_date = models.DateField(_("effective from"), db_index=True)
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=3)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("suspended / revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("revoke reason"), max_length=300, blank=True)
    no_show = models.BooleanField(_("did not show up on day one"), default=False)
    last_working_day = models.DateField(_("last working day"), null=True, blank=True)
    # devices pull "changed since": every change that matters to a device bumps this
    changed_at = models.DateTimeField(_("changed"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("attendance account")
        verbose_name_plural = _("attendance accounts")
        ordering = ["-effective_date", "-id"]
        indexes = [models.Index(fields=["state", "effective_date"], name="att_account_due")]

    def __str__(self):
        return f"{self.holder_name} ({self.clock_id or '-'})"

    def active_at(self, moment) -> bool:
        """Whether a punch taken at ``moment`` belongs to a working account (late uploads included)."""
        if self.state == AccountState.SCHEDULED or self.activated_at is None:
            return False
        if moment < self.activated_at - timezone.timedelta(days=1):
            return False
        if self.state in (AccountState.SUSPENDED, AccountState.REVOKED):
            return self.deactivated_at is not None and moment < self.deactivated_at
        return True

    # -- state machine (guards only) --

    @transition(field=state, source=AccountState.SCHEDULED, target=AccountState.ACTIVE)
    def activate(self):
        pass

    @transition(field=state, source=AccountState.ACTIVE, target=AccountState.SUSPENDED)
    def suspend(self):
        pass

    @transition(field=state, source=AccountState.SUSPENDED, target=AccountState.ACTIVE)
    def resume(self):
        pass

    @transition(field=state, source=[AccountState.SCHEDULED, AccountState.ACTIVE, AccountState.SUSPENDED],
                target=AccountState.REVOKED)
    def revoke(self):
        pass


# -- devices and provisioning (R-ATT-1, R-ATT-3) --------------------------------------------------------


class DeviceKind(models.TextChoices):
    CLOCK = "clock", _("Time clock")
    DOOR = "door", _("Door controller")


class DeviceAuth(models.TextChoices):
    TOKEN = "token", _("Device token")
    HMAC = "hmac", _("HMAC signature")


class Provisioning(models.TextChoices):
    PULL = "pull", _("Device pulls accounts")
    WEBHOOK = "webhook", _("Pushed to a webhook")
    ZKTECO = "zkteco", _("ZKTeco clock (its own protocol)")


class Device(models.Model):
    """A time clock or door controller; authenticates by its own token (stored hashed) or HMAC secret."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=DeviceKind.choices, default=DeviceKind.CLOCK)
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="attendance_devices",
                                   help_text=_("accounts of this department and those below it are provisioned"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    auth = models.CharField(_("authentication"), max_length=6, choices=DeviceAuth.choices, default=DeviceAuth.TOKEN)
    token_hash = models.CharField(_("token hash"), max_length=64, blank=True, db_index=True, editable=False)
    hmac_secret = EncryptedTextField(_("HMAC secret"), blank=True, default="")
    provisioning = models.CharField(_("provisioning"), max_length=8, choices=Provisioning.choices,
                                    default=Provisioning.PULL)
    push_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ZKTecoTransport(models.TextChoices):
    TCP = "tcp", _("TCP")
    UDP = "udp", _("UDP")


def _valid_timezone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone."))


def _valid_comm_key(value):
    if value and not (value.isdigit() and len(value) <= 6):
        raise ValidationError(_("The communication key is a number of at most 6 digits (0 to 999999)."))


class ZKTecoClock(models.Model):
    """How hrsys reaches a ZKTeco time clock over its own protocol (R-CN-3): the address, the communication key
    (encrypted at rest, never answered), the time zone its clock keeps, and the pull's cursor and health.

    Its attendance logs are pulled every ``ZKTECO_PULL_MINUTES``; accounts are pushed to it as users."""

    device = models.OneToOneField(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="zkteco")
    host = models.CharField(_("host"), max_length=255, help_text=_("IP address or host name of the clock"))
    port = models.PositiveIntegerField(_("port"), default=4370)
    comm_key = EncryptedTextField(_("communication key"), blank=True, default="", validators=[_valid_comm_key],
                                  help_text=_("the clock's Comm Key (COMM password); empty: none"))
    transport = models.CharField(_("transport"), max_length=3, choices=ZKTecoTransport.choices,
                                 default=ZKTecoTransport.TCP)
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True,
                                     help_text=_("when set, a clock answering with another serial number is refused; "
                                                 "empty: filled in by the first pull"))
    timezone = models.CharField(_("time zone of the clock"), max_length=64, default="Asia/Shanghai",
                                validators=[_valid_timezone],
                                help_text=_("ZKTeco clocks keep local wall-clock time"))
    cursor_at = models.DateTimeField(_("newest log pulled"), null=True, blank=True)
    cursor_user_id = models.CharField(_("user id of the newest log"), max_length=24, blank=True)
    next_pull_at = models.DateTimeField(_("next pull"), null=True, blank=True, db_index=True)
    last_pull_at = models.DateTimeField(_("last pull"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful pull"), null=True, blank=True)
    class PullStatus(models.TextChoices):
        OK = "ok", _("Pulled")
        ERROR = "error", _("Not reached")

    last_pull_status = models.CharField(_("last pull status"), max_length=8, blank=True, choices=PullStatus.choices)
    last_error = models.TextField(_("last error"), blank=True)
    failures = models.PositiveIntegerField(_("failed pulls in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "device__department"

    class Meta:
        verbose_name = _("ZKTeco connection")
        verbose_name_plural = _("ZKTeco connections")
        ordering = ["device"]

    def __str__(self):
        return f"{self.host}:{self.port}"

    def clean(self):
        if self.port is not None and not 1 <= self.port <= 65535:
            raise ValidationError({"port": [_("A port is between 1 and 65535.")]})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")


class ProvisioningDelivery(models.Model):
    """One account change pushed to one webhook device; retried with back-off (R-ATT-1)."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE,
                               related_name="deliveries")
    account = models.ForeignKey(AttendanceAccount, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="deliveries")
    action = models.CharField(_("action"), max_length=8)  # upsert | delete
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "account__department"

    class Meta:
        verbose_name = _("provisioning delivery")
        verbose_name_plural = _("provisioning deliveries")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} {self.account_id} -> {self.device}"


class ProvisioningAttempt(models.Model):
    """One try of a provisioning delivery: status code, error, duration."""

    delivery = models.ForeignKey(ProvisioningDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("number"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16)  # sent | transient_error | permanent_error
    error = models.TextField(_("error"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "delivery__account__department"

    class Meta:
        verbose_name = _("provisioning attempt")
        verbose_name_plural = _("provisioning attempts")
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"#{self.number} {self.outcome}"


# -- punches (R-ATT-3) ----------------------------------------------------------------------------------


class PunchSource(models.TextChoices):
    API = "api", _("Device API")
    FILE = "file", _("File import")
    ZKTECO = "zk", _("ZKTeco pull")


class Punch(models.Model):
    """One clock-in / door event; (device, dedup key) is unique so re-uploads never count twice."""

    # No single-column indexes on the two keys: (device, dedup key) and (account, punched at) lead with them and
    # serve the same lookups, and every punch stored would otherwise update two more indexes.
    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="punches",
                               db_index=False)
    account = models.ForeignKey(AttendanceAccount, verbose_name=_("account"), on_delete=models.PROTECT,
                                related_name="punches", db_index=False)
    dedup_key = models.CharField(_("device sequence"), max_length=40)
    punched_at = models.DateTimeField(_("punched at"))
    direction = models.CharField(_("direction"), max_length=4, blank=True)  # in | out | ""
    source = models.CharField(_("source"), max_length=4, choices=PunchSource.choices, default=PunchSource.API)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "account__department"

    class Meta:
        verbose_name = _("punch")
        verbose_name_plural = _("punches")
        ordering = ["-punched_at"]
        constraints = [models.UniqueConstraint(fields=["device", "dedup_key"], name="attendance_punch_once")]
        indexes = [models.Index(fields=["account", "punched_at"], name="att_punch_account_time")]

    def __str__(self):
        return f"{self.account_id} @ {self.punched_at:%Y-%m-%d %H:%M}"


class PunchRejection(models.Model):
    """A punch refused at ingestion, with the reason (reported to the device and kept for HR)."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE,
                               related_name="rejections")
    dedup_key = models.CharField(_("device sequence"), max_length=40, blank=True)
    clock_id = models.CharField(_("clock-in id"), max_length=40, blank=True)
    punched_at_raw = models.CharField(_("time as sent"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=40)
    source = models.CharField(_("source"), max_length=4, choices=PunchSource.choices, default=PunchSource.API)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "device__department"

    class Meta:
        verbose_name = _("rejected punch")
        verbose_name_plural = _("rejected punches")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.clock_id} {self.reason}"


# -- shifts and leave (R-ATT-3, R-HOSP-1) ---------------------------------------------------------------


class ShiftKind(models.TextChoices):
    DAY = "day", _("Day shift")
    NIGHT = "night", _("Night shift")
    ON_CALL = "on_call", _("On-call rotation")


class ShiftTemplate(models.Model):
    """Working time in local time; a night shift ends the next morning (end <= start).

    Calendar shifts follow Chinese public holidays and make-up working days; rotations (hospital
    night / on-call duty) work on the days of their cycle, holidays included.
    """

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=8, choices=ShiftKind.choices, default=ShiftKind.DAY)
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"), help_text=_("before the start time: ends the next day"))
    grace_minutes = models.PositiveSmallIntegerField(_("grace (minutes)"), default=5)
    early_leave_grace_minutes = models.PositiveSmallIntegerField(_("early-leave grace (minutes)"), default=0)
    overtime_after_minutes = models.PositiveSmallIntegerField(_("overtime counts after (minutes)"), default=30)
    follows_public_calendar = models.BooleanField(_("follows public holidays"), default=True)
    cycle_days = models.PositiveSmallIntegerField(_("rotation cycle (days)"), default=1)
    on_days = models.JSONField(_("working days of the cycle"), default=list, blank=True,
                               help_text=_("0-based days of the cycle, e.g. [0] for one on-call day in four"))
    is_default = models.BooleanField(_("default for accounts without an assignment"), default=False)

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end_time <= self.start_time

    def clean(self):
        errors = {}
        if self.kind == ShiftKind.DAY and self.start_time and self.end_time and self.crosses_midnight:
            errors["end_time"] = [_("A day shift ends after it starts; a shift that ends the next day is a night "
                                    "shift or an on-call rotation.")]
        if not self.cycle_days or self.cycle_days < 1:
            errors["cycle_days"] = [_("The rotation cycle is at least one day.")]
        days = self.on_days or []
        if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in days):
            errors["on_days"] = [_("List the working days of the cycle as numbers, e.g. [0].")]
        elif self.cycle_days and self.cycle_days >= 1 and (
                len(set(days)) != len(days) or any(d < 0 or d >= self.cycle_days for d in days)):
            errors["on_days"] = [_("Each working day appears once and lies within the cycle (0 to %(last)d).")
                                 % {"last": self.cycle_days - 1}]
        if errors:
            raise ValidationError(errors)


class ShiftAssignment(models.Model):
    """An account works a template over a date range; ranges of one account never overlap."""

    account = models.ForeignKey(AttendanceAccount, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="shift_assignments")
    template = models.ForeignKey(ShiftTemplate, verbose_name=_("shift"), on_delete=models.PROTECT,
                                 related_name="assignments")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True, help_text=_("empty: open-ended"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "account__department"

    class Meta:
        verbose_name = _("shift assignment")
        verbose_name_plural = _("shift assignments")
        ordering = ["account", "start_date"]
        constraints = [models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                              name="attendance_assignment_ordered")]

    def __str__(self):
        return f"{self.account} {self.template} {self.start_date}..{self.end_date or ''}"


class LeaveType(models.TextChoices):
    ANNUAL = "annual", _("Annual leave")
    SICK = "sick", _("Sick leave")
    PERSONAL = "personal", _("Personal leave")
    URGENT = "urgent", _("Urgent leave")
    MARRIAGE = "marriage", _("Marriage leave")
    MATERNITY = "maternity", _("Maternity / paternity leave")
    BEREAVEMENT = "bereavement", _("Bereavement leave")
    OTHER = "other", _("Other")


class LeaveState(models.TextChoices):
    PENDING = "pending", _("Waiting for the manager")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class LeaveRequest(ConcurrentTransitionMixin, models.Model):
    """A leave request; the department's manager approves it (R-ATT-3)."""

    account = models.ForeignKey(AttendanceAccount, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="leave_requests")
    type = models.CharField(_("type"), max_length=12, choices=LeaveType.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.TextField(_("reason"), blank=True)
    state = FSMField(_("state"), default=LeaveState.PENDING, choices=LeaveState.choices, protected=True,
                     db_index=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "account__department"

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start_date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                              name="attendance_leave_ordered")]

    def __str__(self):
        return f"{self.account} {self.type} {self.start_date}..{self.end_date}"

    @transition(field=state, source=LeaveState.PENDING, target=LeaveState.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=LeaveState.PENDING, target=LeaveState.REJECTED)
    def reject(self):
        pass

    @transition(field=state, source=[LeaveState.PENDING, LeaveState.APPROVED], target=LeaveState.CANCELLED)
    def cancel(self):
        pass


# -- daily results (R-ATT-3, R-ATT-4) -------------------------------------------------------------------


class DayStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    LEAVE = "leave", _("On leave")
    OFF = "off", _("Day off")
    HOLIDAY = "holiday", _("Public holiday")
    INCOMPLETE = "incomplete", _("Missing punch")


class DailyResult(models.Model):
    """One account's day as the rules see it; recomputed by a sweep when punches or leave change."""

    # No single-column indexes on account and department: (account, work date) and (department, work date) lead
    # with them; each upload marks hundreds of days to recompute, and each new row would update two more indexes.
    account = models.ForeignKey(AttendanceAccount, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="daily_results", db_index=False)
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.CASCADE,
                                   related_name="+", db_index=False)
    work_date = models.DateField(_("date"))
    stale = models.BooleanField(_("to recompute"), default=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=DayStatus.choices, blank=True)
    shift = models.ForeignKey(ShiftTemplate, verbose_name=_("shift"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    first_in = models.DateTimeField(_("first punch"), null=True, blank=True)
    last_out = models.DateTimeField(_("last punch"), null=True, blank=True)
    late_minutes = models.PositiveIntegerField(_("late (minutes)"), default=0)
    early_leave_minutes = models.PositiveIntegerField(_("left early (minutes)"), default=0)
    overtime_minutes = models.PositiveIntegerField(_("overtime (minutes)"), default=0)
    worked_minutes = models.PositiveIntegerField(_("worked (minutes)"), default=0)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("daily result")
        verbose_name_plural = _("daily results")
        ordering = ["-work_date", "account"]
        constraints = [models.UniqueConstraint(fields=["account", "work_date"], name="attendance_day_once")]
        indexes = [models.Index(fields=["department", "work_date"], name="att_day_dept_date")]

    def __str__(self):
        return f"{self.account_id} {self.work_date} {self.status}"

    @property
    def is_late(self) -> bool:
        return self.late_minutes > 0

    @property
    def left_early(self) -> bool:
        return self.early_leave_minutes > 0


# -- probation (R-ATT-4, R-AI-4) ------------------------------------------------------------------------


class ProbationDecision(models.TextChoices):
    PASS = "pass", _("Passed")
    EXTEND = "extend", _("Extended")
    FAIL = "fail", _("Not passed")


class ProbationReview(models.Model):
    """The probation of one new hire: its period, reminders to the manager and the decision (R-ATT-4)."""

    account = models.OneToOneField(AttendanceAccount, verbose_name=_("account"), on_delete=models.CASCADE,
                                   related_name="probation")
    application = models.ForeignKey("candidates.Application", verbose_name=_("application"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="probation_reviews")
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+")
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), db_index=True)
    decision = models.CharField(_("decision"), max_length=8, choices=ProbationDecision.choices, blank=True,
                                db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    extensions = models.PositiveSmallIntegerField(_("times extended"), default=0)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("probation review")
        verbose_name_plural = _("probation reviews")
        ordering = ["ends_on", "id"]

    def __str__(self):
        return f"{self.account} {self.starts_on}..{self.ends_on} {self.decision or '-'}"
