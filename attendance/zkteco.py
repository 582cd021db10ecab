"""ZKTeco time clocks over their own protocol, through pyzk (R-CN-3, R-INT-3).

No database here: ``services.zkteco`` pulls logs through :func:`read_logs` and stores them through the punch
ingestion; ``provisioning.ZKTecoAdapter`` pushes accounts through :func:`upsert_user` / :func:`delete_user`.

* A clock's **user id** (PIN) is the account's clock-in id; its internal slot (``uid``) is kept when the user
  exists, otherwise the next free one. Older firmware (28-byte user records) keeps the user id as a number, so
  the leading zeros of a clock-in id come back stripped: :func:`clock_id_for` restores them.
* A suspended or revoked account is **deleted** from the clock (pyzk cannot set the "disabled" flag: it writes
  only the normal and administrator privileges), which takes its fingerprints, card and PIN off the clock; a
  resumed account is added again and enrols its fingerprint (or card) anew.
* Only the name is written besides the ids (it is shown on the clock's screen at each punch);
  ``ZKTECO_SEND_NAMES=false`` writes the clock-in id instead.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

CLOCK_ID_DIGITS = 8  # clock-in ids are the account id on 8 digits (``attendance.services.accounts``)
NAME_BYTES = 24  # a user's name on the clock (72-byte user records; older ones keep 8)


class ZKTecoError(Exception):
    """The clock did not answer, refused the communication key, or is not the clock configured."""


@dataclass(frozen=True)
class Log:
    user_id: str
    timestamp: object  # naive datetime, the clock's local wall-clock time
    punch: int


def clock_id_for(user_id) -> str:
    text = str(user_id or "").strip()
    return text.zfill(CLOCK_ID_DIGITS) if text.isdigit() else text


def _describe(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:500]


@contextmanager
def session(clock):
    """A connected pyzk client for ``clock`` (a ``ZKTecoClock``); any failure is a :class:`ZKTecoError`."""
    from zk import ZK  # noqa: PLC0415 -- pyzk is loaded only where a ZKTeco clock is reached

    client = ZK(clock.host, port=int(clock.port), timeout=int(getattr(settings, "ZKTECO_TIMEOUT_SECONDS", 10)),
                password=int(clock.comm_key or 0), force_udp=clock.transport == "udp", ommit_ping=True,
                encoding=getattr(settings, "ZKTECO_ENCODING", "UTF-8"))
    try:
        conn = client.connect()
    except Exception as exc:  # noqa: BLE001 -- socket, struct and pyzk errors alike: the clock is not reachable
        raise ZKTecoError(_describe(exc)) from exc
    try:
        yield conn
    except ZKTecoError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ZKTecoError(_describe(exc)) from exc
    finally:
        try:
            conn.disconnect()
        except Exception:  # noqa: BLE001, S110 -- the answer is in; a lost goodbye changes nothing
            pass


@contextmanager
def _locked(conn):
    """The clock's keypad is paused while its tables are read or written (as ZKTeco's own software does)."""
    conn.disable_device()
    try:
        yield conn
    finally:
        conn.enable_device()


def _check_serial(conn, clock) -> str:
    try:
        serial = (conn.get_serialnumber() or "").strip()
    except Exception:  # noqa: BLE001 -- some firmware does not answer the option: nothing to compare
        return ""
    if clock.serial_number and serial and serial != clock.serial_number:
        raise ZKTecoError(f"serial number mismatch: configured {clock.serial_number}, the clock answers {serial}")
    return serial


def read_logs(clock) -> tuple[str, list[Log]]:
    """The clock's serial number and every attendance log it holds (clocks keep them until cleared)."""
    with session(clock) as conn:
        serial = _check_serial(conn, clock)
        with _locked(conn):
            records = conn.get_attendance()
    return serial, [Log(user_id=clock_id_for(r.user_id), timestamp=r.timestamp, punch=int(r.punch or 0))
                    for r in records]


def _name(clock_id: str, name: str) -> str:
    if not getattr(settings, "ZKTECO_SEND_NAMES", True):
        return clock_id
    encoding = getattr(settings, "ZKTECO_ENCODING", "UTF-8")
    out = ""
    for char in name or "":
        if len((out + char).encode(encoding, errors="ignore")) > NAME_BYTES:
            break
        out += char
    return out


def _find(users, clock_id: str):
    return next((u for u in users if clock_id_for(u.user_id) == clock_id), None)


def upsert_user(clock, *, clock_id: str, name: str) -> int:
    """Add the account to the clock as a normal user, or rewrite it keeping its slot, card and PIN; its uid."""
    from zk import const  # noqa: PLC0415 -- pyzk is loaded only where a ZKTeco clock is reached

    with session(clock) as conn:
        _check_serial(conn, clock)
        with _locked(conn):
            users = conn.get_users()
            existing = _find(users, clock_id)
            uid = existing.uid if existing else max((u.uid for u in users), default=0) + 1
            if uid > 65534:
                raise ZKTecoError("the clock has no free user slot")
            user_id = existing.user_id if existing else clock_id
            conn.set_user(uid=uid, name=_name(clock_id, name), privilege=const.USER_DEFAULT,
                          password=existing.password if existing else "",
                          group_id=str(existing.group_id or "") if existing else "", user_id=str(user_id),
                          card=existing.card if existing else 0)
    return uid


def delete_user(clock, *, clock_id: str) -> bool:
    """Take the account off the clock (with its fingerprints, card and PIN); False when it was not there."""
    with session(clock) as conn:
        _check_serial(conn, clock)
        with _locked(conn):
            existing = _find(conn.get_users(), clock_id)
            if existing is None:
                return False
            conn.delete_user(uid=existing.uid)
    return True
