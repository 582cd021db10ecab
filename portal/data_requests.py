"""Data subject requests: a candidate asks for a copy of their data or for its deletion; HR carries it out (PIPL
arts. 45 and 47, R-SEC-6).

One open request per kind and candidate at a time (asking again answers with the open one). Each write is one
transaction with its audit row; the audit trail names the request and counts, never the person's data.
Deletion withdraws the candidate's open applications and anonymises them (``candidate_anonymise``, whose
``candidate_anonymised`` signal lets every app erase what it holds); it is refused (409), with nothing changed,
under a legal hold and for a hired candidate or employee.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates.models import HIRED_STATES, OPEN_STATES, Candidate
from candidates.services import application_transition, candidate_anonymise, candidate_on_hold
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm, require_visible, staff_user

from .data_copy import candidate_copy_zip
from .models import SubjectRequest

HANDLE_PERMISSION = "portal.change_subjectrequest"
CHANNELS = tuple(SubjectRequest.Channel.values)


def due_days() -> int:
    return getattr(settings, "PRIVACY_REQUEST_DUE_DAYS", 15)


def copy_download_days() -> int:
    return getattr(settings, "PRIVACY_COPY_DOWNLOAD_DAYS", 7)


def _candidate_locked(candidate_id: int):
    candidate = Candidate.objects.select_for_update().filter(pk=candidate_id).first()
    if candidate is None:
        raise ValidationError({"candidate": [_("Unknown candidate.")]})
    return candidate


def subject_request_create(*, candidate_id: int, kind: str, channel: str = "portal") -> SubjectRequest:
    """Record the candidate's request; an open request of the same kind is answered instead of a second one
    (``created`` False on the returned row). Refused (409) once the person's data is deleted."""
    if kind not in SubjectRequest.Kind.values:
        raise ValidationError({"kind": [_("Ask for a copy of your data or for its deletion.")]})
    if channel not in CHANNELS:
        raise ValidationError({"channel": [_("Unknown channel %(c)s. Known: %(known)s.")
                                           % {"c": channel, "known": ", ".join(CHANNELS)}]})
    with transaction.atomic():
        candidate = _candidate_locked(candidate_id)  # the lock serialises two clicks of the same person
        if candidate.anonymised_at:
            raise Conflict(_("Your data has already been deleted."))
        existing = SubjectRequest.objects.filter(candidate=candidate, kind=kind,
                                                 state=SubjectRequest.State.OPEN).first()
        if existing is not None:
            existing.created = False
            return existing
        now = timezone.now()
        try:
            with transaction.atomic():
                request = SubjectRequest.objects.create(candidate=candidate, kind=kind, channel=channel,
                                                        requested_at=now, due_at=now + timedelta(days=due_days()))
        except IntegrityError:  # pragma: no cover - the row lock above makes this a last line of defence
            existing = SubjectRequest.objects.get(candidate=candidate, kind=kind, state=SubjectRequest.State.OPEN)
            existing.created = False
            return existing
        audit_record(actor=f"candidate:{candidate.pk}" if channel == "portal" else channel,
                     action="subject_request.create", obj=request,
                     changes={"kind": [None, kind], "due_at": [None, request.due_at.isoformat()]})
    request.created = True
    return request


def _open_request(actor, request_id: int, kind: str | None = None) -> SubjectRequest:
    require_perm(actor, HANDLE_PERMISSION)
    require_visible(SubjectRequest, actor, request_id)
    request = SubjectRequest.objects.select_for_update().get(pk=request_id)
    if request.state != SubjectRequest.State.OPEN:
        raise Conflict(_("This request was already handled (%(state)s).") % {"state": request.get_state_display()})
    if kind and request.kind != kind:
        raise Conflict(_("This is a request for %(kind)s.") % {"kind": request.get_kind_display()})
    return request


def _close(request: SubjectRequest, *, actor, state: str, now, reason: str = "") -> None:
    request.state, request.handled_at, request.handled_by = state, now, staff_user(actor)
    request.refusal_reason = reason
    request.save()


@transaction.atomic
def subject_request_copy_prepare(*, actor, request_id: int) -> SubjectRequest:
    """Build the copy (``data.json`` and the files), store it encrypted and let the candidate download it for
    ``PRIVACY_COPY_DOWNLOAD_DAYS``. Audited with counts only."""
    request = _open_request(actor, request_id, SubjectRequest.Kind.COPY)
    candidate = _candidate_locked(request.candidate_id)
    if candidate.anonymised_at:
        raise Conflict(_("This candidate's data was already deleted: there is nothing to copy. Refuse the "
                         "request with that reason."))
    content, counts = candidate_copy_zip(candidate)
    now = timezone.now()
    request.copy_file.save(f"copy-{request.pk}.zip", ContentFile(content), save=False)
    stored = request.copy_file.name
    request.copy_size = len(content)
    request.copy_expires_at = now + timedelta(days=copy_download_days())
    try:
        _close(request, actor=actor, state=SubjectRequest.State.DONE, now=now)
        audit_record(actor=actor, action="subject_request.copy", obj=request,
                     changes={**{key: [None, n] for key, n in counts.items()},
                              "state": [SubjectRequest.State.OPEN, SubjectRequest.State.DONE]})
    except Exception:
        request.copy_file.storage.delete(stored)  # nothing half-saved: no ZIP without its row
        raise
    return request


@transaction.atomic
def subject_request_delete_carry_out(*, actor, request_id: int) -> SubjectRequest:
    """Withdraw the candidate's open applications ("deletion requested by the candidate") and remove their
    personal data; applications, stages, scores and dates stay as anonymised statistics, the audit trail stays.

    Refused (409), nothing changed: under a legal hold, or when the candidate was hired or is an employee
    (their file has its own retention period)."""
    request = _open_request(actor, request_id, SubjectRequest.Kind.DELETION)
    require_perm(actor, "candidates.delete_candidate")
    candidate = _candidate_locked(request.candidate_id)
    now = timezone.now()
    if not candidate.anonymised_at:
        if candidate_on_hold(candidate.pk):
            raise Conflict(_("This candidate is under a legal hold: their data cannot be deleted until it is "
                             "released. Refuse the request with that reason or wait for the release."))
        if candidate.applications.filter(state__in=HIRED_STATES).exists():
            raise Conflict(_("This candidate was hired or is an employee: their data is kept for the employee "
                             "file's retention period. Refuse the request with that reason."))
        with translation.override(settings.LANGUAGE_CODE):  # stored: the reason as HR reads it in the pipeline
            reason = _("Deletion requested by the candidate")
        withdrawn = 0
        for app_id in candidate.applications.filter(state__in=OPEN_STATES).values_list("pk", flat=True):
            application_transition(actor=actor, application_id=app_id, transition="withdraw", reason=reason)
            withdrawn += 1
        candidate_anonymise(actor=actor, candidate_id=candidate.pk, reason=f"subject request #{request.pk}",
                            now=now)
    else:
        withdrawn = 0
    _close(request, actor=actor, state=SubjectRequest.State.DONE, now=now)
    audit_record(actor=actor, action="subject_request.delete", obj=request,
                 changes={"withdrawn_applications": [None, withdrawn],
                          "state": [SubjectRequest.State.OPEN, SubjectRequest.State.DONE]})
    return request


@transaction.atomic
def subject_request_refuse(*, actor, request_id: int, reason: str) -> SubjectRequest:
    """Refuse with a reason the candidate reads in the portal (a legal hold, an employee's file)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the request is refused: the candidate reads it.")]})
    request = _open_request(actor, request_id)
    _close(request, actor=actor, state=SubjectRequest.State.REFUSED, now=timezone.now(), reason=reason[:2000])
    audit_record(actor=actor, action="subject_request.refuse", obj=request,
                 changes={"state": [SubjectRequest.State.OPEN, SubjectRequest.State.REFUSED]})
    return request


def on_candidate_anonymised(sender, *, candidate, now, **kwargs):
    """The person's data is gone: prepared copies go with it, and a copy still asked for can no longer be made
    (R-SEC-6). The request rows stay: that the person asked, and what was done, is the record of compliance."""
    for request in SubjectRequest.objects.select_for_update().filter(candidate=candidate):
        fields = []
        if request.copy_file:
            request.copy_file.delete(save=False)
            request.copy_size, request.copy_expires_at = 0, None
            fields += ["copy_file", "copy_size", "copy_expires_at"]
        if request.state == SubjectRequest.State.OPEN and request.kind == SubjectRequest.Kind.COPY:
            with translation.override(candidate.preferred_language or settings.LANGUAGE_CODE):
                request.refusal_reason = _("Your data was deleted, so there is nothing left to copy.")
            request.state, request.handled_at = SubjectRequest.State.REFUSED, now
            fields += ["state", "handled_at", "refusal_reason"]
        if fields:
            request.save(update_fields=fields)


def subject_copies_expire(*, now) -> int:
    """Delete the files of copies whose download period is over (the every-minute tick); idempotent."""
    count = 0
    for pk in SubjectRequest.objects.filter(copy_expires_at__lte=now).exclude(copy_file="") \
            .values_list("pk", flat=True):
        with transaction.atomic():
            request = SubjectRequest.objects.select_for_update().get(pk=pk)
            if not request.copy_file or request.copy_expires_at is None or request.copy_expires_at > now:
                continue
            request.copy_file.delete(save=False)
            request.copy_size = 0
            request.save(update_fields=["copy_file", "copy_size"])
            audit_record(actor="retention", action="subject_request.copy_expire", obj=request)
            count += 1
    return count
