"""Provisioning adapters: how an account change reaches the clocks and door controllers (R-ATT-1).

Three ways, chosen per device:

* **pull** -- the device asks ``GET /api/v1/attendance/device/accounts/?cursor=...`` for accounts changed
  since its cursor (``PullAdapter`` has nothing to push);
* **webhook** -- ``WebhookAdapter`` POSTs the change as JSON to the device's URL, signed with its HMAC secret:
  ``X-Hrsys-Timestamp: <unix>`` and ``X-Hrsys-Signature: sha256=<hex hmac(secret, "<timestamp>.<body>")>``;
* **zkteco** -- ``ZKTecoAdapter`` writes the account as a user of a ZKTeco clock, or deletes it (``zkteco``).

Adapters never touch the database: ``services.provisioning_deliver`` records every attempt and decides about
retries (4xx other than 408/429 are permanent).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import requests
from django.conf import settings

from hrsys.events.signing import sign as hrsys_v1_sign


@dataclass
class PushResult:
    ok: bool
    status_code: int | None = None
    error: str = ""
    permanent: bool = False


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return f"sha256={hrsys_v1_sign(secret, timestamp, body)}"


def account_payload(account, action: str) -> dict:
    """What a device needs to know about an account (no personal data beyond the name on the badge)."""
    return {
        "action": action,
        "clock_id": account.clock_id,
        "name": account.holder_name,
        "state": account.state,
        "effective_date": account.effective_date.isoformat(),
        "door_groups": list(account.door_groups or []),
        "changed_at": account.changed_at.isoformat(),
    }


class ProvisioningAdapter:
    name = "base"

    def push(self, device, payload: dict) -> PushResult:  # pragma: no cover - interface
        raise NotImplementedError


class PullAdapter(ProvisioningAdapter):
    """Devices fetch changes themselves; nothing is pushed."""

    name = "pull"

    def push(self, device, payload: dict) -> PushResult:
        return PushResult(ok=True)


class WebhookAdapter(ProvisioningAdapter):
    name = "webhook"

    def push(self, device, payload: dict) -> PushResult:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Hrsys-Timestamp": timestamp,
                   "X-Hrsys-Device": str(device.pk), "X-Hrsys-Signature": sign(device.hmac_secret or "", timestamp,
                                                                                body)}
        timeout = float(getattr(settings, "ATTENDANCE_PUSH_TIMEOUT_SECONDS", 10))
        try:
            response = requests.post(device.push_url, data=body, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            return PushResult(ok=False, error=f"{exc.__class__.__name__}: {exc}"[:500])
        if 200 <= response.status_code < 300:
            return PushResult(ok=True, status_code=response.status_code)
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 425, 429)
        return PushResult(ok=False, status_code=response.status_code, permanent=permanent,
                          error=response.text[:500])


class ZKTecoAdapter(ProvisioningAdapter):
    """A ZKTeco clock over its own protocol (pyzk, R-CN-3): ``upsert`` sets the account as a user of the clock,
    ``delete`` (suspended or revoked) takes it off. An unreachable clock is a transient error (retried); a device
    without its connection settings is a permanent one."""

    name = "zkteco"

    def push(self, device, payload: dict) -> PushResult:
        from . import zkteco  # noqa: PLC0415 -- pyzk is loaded only where a ZKTeco clock is reached
        from .models import ZKTecoClock  # noqa: PLC0415 -- adapters are imported by the models' neighbours

        clock = ZKTecoClock.objects.filter(device_id=device.pk).first()
        if clock is None:
            return PushResult(ok=False, permanent=True, error="the device has no ZKTeco connection settings")
        clock_id = payload.get("clock_id") or ""
        if not clock_id:
            return PushResult(ok=False, permanent=True, error="the account has no clock-in id")
        try:
            if payload.get("action") == "delete":
                zkteco.delete_user(clock, clock_id=clock_id)
            else:
                zkteco.upsert_user(clock, clock_id=clock_id, name=payload.get("name") or "")
        except zkteco.ZKTecoError as exc:
            return PushResult(ok=False, error=str(exc)[:500])
        return PushResult(ok=True)


ADAPTERS = {"pull": PullAdapter(), "webhook": WebhookAdapter(), "zkteco": ZKTecoAdapter()}


def adapter_for(device) -> ProvisioningAdapter:
    return ADAPTERS[device.provisioning]
