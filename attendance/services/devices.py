"""Clock-in devices (R-ATT-1, R-ATT-3): a new device and its credential, credentials renewed; and the
provisioning pushes that keep webhook devices in step with the accounts (one delivery per device, pushed after
commit, every try logged, retried with back-off). Device authentication itself is ``attendance.devices``."""

from __future__ import annotations

import datetime as dt
import functools

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.accounts.models import Department
from hrsys.audit.services import audit_record, snapshot
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible as _visible
from hrsys.core.config import apply_changes, config_save, locked_for, visible_or_invalid

from .. import devices, tasks
from ..models import (
    DeliveryStatus,
    Device,
    DeviceAuth,
    Provisioning,
    ProvisioningAttempt,
    ProvisioningDelivery,
    ZKTecoClock,
)
from ..provisioning import account_payload, adapter_for
from ._common import _setting


def _covering_webhook_devices(account):
    """The devices an account change is pushed to: webhook devices and ZKTeco clocks (R-ATT-1, R-CN-3)."""
    return [d for d in Device.objects.filter(active=True, provisioning__in=(Provisioning.WEBHOOK,
                                                                           Provisioning.ZKTECO))
            .select_related("department") if account.department.path.startswith(d.department.path)]


def _queue_provisioning(account, action: str) -> None:
    """One delivery per webhook device or ZKTeco clock that serves the account's department; pushed after
    commit."""
    payload = account_payload(account, action)
    for device in _covering_webhook_devices(account):
        delivery = ProvisioningDelivery.objects.create(device=device, account=account, action=action,
                                                       payload=payload)
        transaction.on_commit(functools.partial(tasks.enqueue_push, delivery.pk))


DEVICE_FIELDS = ("name", "kind", "department", "location", "auth", "provisioning", "push_url", "active")
DEVICE_UPDATABLE = ("name", "kind", "department_id", "location", "provisioning", "push_url", "active")


def _device_rules(device) -> None:
    if device.provisioning == Provisioning.WEBHOOK and not device.push_url:
        raise ValidationError({"push_url": [_("A webhook device needs a URL.")]})
    if device.provisioning == Provisioning.ZKTECO and not ZKTecoClock.objects.filter(device=device).exists():
        raise ValidationError({"zkteco": [_("A ZKTeco clock needs its connection settings (at least the host).")]})


ZKTECO_FIELDS = ("host", "port", "transport", "serial_number", "timezone")
ZKTECO_UPDATABLE = (*ZKTECO_FIELDS, "comm_key")


def _zkteco_save(device, settings_: dict | None, *, actor) -> ZKTecoClock | None:
    """Create or change the ZKTeco connection of ``device`` (R-CN-3). The communication key is write-only: absent
    keeps it, ``""`` clears it; the audit trail says it changed, never what it is."""
    if settings_ is None:
        return None
    clock = ZKTecoClock.objects.select_for_update().filter(device=device).first()
    before = snapshot(clock, ZKTECO_FIELDS) if clock is not None else None
    clock = clock or ZKTecoClock(device=device)
    apply_changes(clock, dict(settings_), allowed=ZKTECO_UPDATABLE)
    extra = {"comm_key": [None, "changed"]} if "comm_key" in settings_ else None
    try:
        return config_save(clock, actor=actor, action="attendance.device.zkteco", fields=ZKTECO_FIELDS,
                           before=before, extra_changes=extra, exclude=["device"])
    except ValidationError as exc:
        raise ValidationError({f"zkteco.{k}": v for k, v in exc.message_dict.items()}) from None


@transaction.atomic
def device_create(*, actor, name: str, department_id: int, kind: str = "clock", auth: str = DeviceAuth.TOKEN,
                  provisioning: str = Provisioning.PULL, push_url: str = "", location: str = "",
                  zkteco: dict | None = None) -> tuple[Device, str]:
    """A new device and its credential (token or HMAC secret), shown once; only the token's hash is kept
    (R-ATT-3, R-INT-4). A staff actor places it in a department they may see. A ZKTeco clock (provisioning
    ``zkteco``) comes with its connection settings ``zkteco`` (R-CN-3)."""
    _require(actor, "attendance.add_device")
    errors = {}
    if auth not in DeviceAuth.values:
        errors["auth"] = [_("Unknown authentication.")]
    if provisioning not in Provisioning.values:
        errors["provisioning"] = [_("Unknown provisioning.")]
    if provisioning == Provisioning.WEBHOOK and not push_url:
        errors["push_url"] = [_("A webhook device needs a URL.")]
    if provisioning == Provisioning.ZKTECO and not (zkteco or {}).get("host"):
        errors["zkteco"] = [_("A ZKTeco clock needs its connection settings (at least the host).")]
    try:
        visible_or_invalid(Department, actor, department_id, field="department_id")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    device = Device(name=name, department_id=department_id, kind=kind, auth=auth, provisioning=provisioning,
                    push_url=push_url, location=location)
    secret = _assign_credentials(device)
    config_save(device, actor=actor, action="attendance.device.create", fields=DEVICE_FIELDS,
                scope_field="department_id")
    _zkteco_save(device, zkteco, actor=actor)
    return device, secret


@transaction.atomic
def device_update(*, actor, device_id: int, **changes) -> Device:
    """Rename, move or reconfigure a device, or (``active``) switch it off or on (R-INT-4). Its credential is
    not changed here: :func:`device_rotate_credentials` issues a new one."""
    _require(actor, "attendance.change_device")
    device = locked_for(Device, actor, device_id)
    before = snapshot(device, DEVICE_FIELDS)
    if "department_id" in changes:
        visible_or_invalid(Department, actor, changes["department_id"], field="department_id")
    zkteco = changes.pop("zkteco", None)
    apply_changes(device, changes, allowed=DEVICE_UPDATABLE)
    _zkteco_save(device, zkteco, actor=actor)
    _device_rules(device)
    return config_save(device, actor=actor, action="attendance.device.update", fields=DEVICE_FIELDS, before=before,
                       scope_field="department_id")


@transaction.atomic
def device_deactivate(*, actor, device_id: int) -> Device:
    """Switch a device off: its credential stops working at once (``attendance.devices``), its records stay."""
    return device_update(actor=actor, device_id=device_id, active=False)


def _assign_credentials(device) -> str:
    secret = devices.new_secret()
    # webhook pushes are signed with the HMAC secret whatever the device uses to upload
    device.hmac_secret = secret
    if device.auth == DeviceAuth.TOKEN:
        token = devices.new_token()
        device.token_hash = devices.hash_token(token)
        return token if device.provisioning != Provisioning.WEBHOOK else f"{token} {secret}"
    device.token_hash = ""
    return secret


@transaction.atomic
def device_rotate_credentials(*, actor, device_id: int) -> str:
    """A new credential for the device, shown once; the old one stops working (R-ATT-3, R-INT-4)."""
    _require(actor, "attendance.change_device")
    _visible(Device, actor, device_id)
    device = Device.objects.select_for_update().get(pk=device_id)
    secret = _assign_credentials(device)
    device.save()
    audit_record(actor=actor, action="attendance.device.rotate", obj=device)
    return secret


def push_backoff_seconds(attempt_number: int) -> int:
    base = int(_setting("ATTENDANCE_PUSH_RETRY_BASE_SECONDS", 60))
    cap = int(_setting("ATTENDANCE_PUSH_RETRY_MAX_SECONDS", 3600))
    return min(cap, base * 2 ** max(0, attempt_number - 1))


def provisioning_deliver(*, delivery_id: int, now=None) -> str:
    """Push one delivery through the device's adapter, logging the attempt; transient errors retry with
    exponential back-off up to ``ATTENDANCE_PUSH_MAX_ATTEMPTS``, 4xx fail at once (R-ATT-1)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (ProvisioningDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("device").filter(pk=delivery_id, status=DeliveryStatus.PENDING,
                                                     next_attempt_at__lte=now).first())
        if delivery is None:
            return "skipped"
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.save(update_fields=["status", "attempts"])
        attempt = ProvisioningAttempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=now,
                                                     outcome="in_flight")
    result = adapter_for(delivery.device).push(delivery.device, delivery.payload)
    finished = timezone.now()
    max_attempts = int(_setting("ATTENDANCE_PUSH_MAX_ATTEMPTS", 6))
    with transaction.atomic():
        attempt.finished_at, attempt.status_code, attempt.error = finished, result.status_code, result.error
        if result.ok:
            attempt.outcome = "sent"
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.SENT, finished, ""
        else:
            attempt.outcome = "permanent_error" if result.permanent else "transient_error"
            delivery.last_error = (f"HTTP {result.status_code}: {result.error}" if result.status_code
                                   else result.error)[:2000]
            if result.permanent or delivery.attempts >= max_attempts:
                delivery.status = DeliveryStatus.FAILED
            else:
                delivery.status = DeliveryStatus.PENDING
                delivery.next_attempt_at = now + dt.timedelta(seconds=push_backoff_seconds(delivery.attempts))
        attempt.save()
        delivery.save(update_fields=["status", "delivered_at", "last_error", "next_attempt_at"])
    return delivery.status


def provisioning_push_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: due webhook deliveries are claimed and handed to the worker; deliveries stuck in ``sending`` for
    longer than the lease go back to pending (R-ATT-1)."""
    lease = dt.timedelta(seconds=int(_setting("ATTENDANCE_PUSH_LEASE_SECONDS", 600)))
    stuck = ProvisioningDelivery.objects.filter(status=DeliveryStatus.SENDING, next_attempt_at__lte=now - lease)
    stuck.update(status=DeliveryStatus.PENDING)
    with transaction.atomic():
        ids = list(ProvisioningDelivery.objects.select_for_update(skip_locked=True)
                   .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                   .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:batch])
        for delivery_id in ids:
            transaction.on_commit(functools.partial(tasks.enqueue_push, delivery_id))
    return {"queued": len(ids)}
