"""Interviewers' busy time, entered or imported from an .ics file (R-SCHED-1)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user

from .. import ics
from ..models import BusyBlock, InterviewerProfile
from ._common import User, _local


def _target_user(actor, user_id):
    user = _user(actor)
    if user is not None and user.pk == user_id:
        return user
    _require(actor, "interviews.add_busyblock")
    qs = User.objects.for_user(user) if user is not None else User.objects.all()
    target = qs.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if target is None:
        raise ValidationError({"user": [_("Unknown interviewer, or one of a department you may not see.")]})
    return target


@transaction.atomic
def busy_block_create(*, actor, user_id: int, starts_at: datetime, ends_at: datetime, note: str = "") -> BusyBlock:
    """An interviewer's busy time; may not overlap another busy block of theirs (R-SCHED-1)."""
    target = _target_user(actor, user_id)
    errors = {}
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            errors[name] = [_("Give the time with its time zone.")]
    if not errors:
        if ends_at <= starts_at:
            errors["ends_at"] = [_("The end must be after the start.")]
        elif ends_at <= timezone.now():
            errors["ends_at"] = [_("The busy time is in the past.")]
    if errors:
        raise ValidationError(errors)
    InterviewerProfile.objects.get_or_create(user=target)
    InterviewerProfile.objects.select_for_update().get(user=target)
    clash = BusyBlock.objects.filter(user=target, starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if clash is not None:
        raise ValidationError({"starts_at": [_("Overlaps the busy block %(start)s - %(end)s.")
                                             % {"start": _local(clash.starts_at), "end": _local(clash.ends_at)}]})
    block = BusyBlock.objects.create(user=target, starts_at=starts_at, ends_at=ends_at, note=(note or "")[:200])
    audit_record(actor=actor, action="busy_block.create", obj=block,
                 changes={"starts_at": [None, starts_at.isoformat()], "ends_at": [None, ends_at.isoformat()]})
    return block


@transaction.atomic
def busy_blocks_import_ics(*, actor, user_id: int, data: bytes) -> list[BusyBlock]:
    """Replace the interviewer's imported busy time with the events of an uploaded .ics (R-SCHED-1).

    Overlapping events of the file are merged; a malformed file raises ValidationError and changes nothing.
    """
    target = _target_user(actor, user_id)
    now = timezone.now()
    events = ics.parse_busy(data, start=now, end=now + timedelta(days=90))
    merged: list[list] = []
    for ev in sorted(events, key=lambda e: e["starts_at"]):
        if merged and ev["starts_at"] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], ev["ends_at"])
        else:
            merged.append([ev["starts_at"], ev["ends_at"], ev["note"]])
    InterviewerProfile.objects.get_or_create(user=target)
    InterviewerProfile.objects.select_for_update().get(user=target)
    BusyBlock.objects.filter(user=target, source=BusyBlock.Source.ICS, ends_at__gt=now).delete()
    blocks = BusyBlock.objects.bulk_create([BusyBlock(user=target, starts_at=s, ends_at=e, note=n,
                                                      source=BusyBlock.Source.ICS) for s, e, n in merged])
    audit_record(actor=actor, action="busy_block.import_ics", obj=target,
                 changes={"events": [None, len(events)], "blocks": [None, len(blocks)]})
    return blocks
