"""Applications from the public careers site and its JSON twin (R-PIPE-8, R-PIPE-5, R-HOSP-1, R-SEC-5).

``application_submit`` is the one write behind ``/careers/jobs/<id>/apply/`` and
``POST /api/v1/public/jobs/<id>/applications/``. What it decides, for a hospital HR team:

* Every field is checked before anything is written; bad input is a ``ValidationError`` naming each field
  (the page shows it beside the field, the API answers 400). The writes happen in one transaction through the
  pipeline's own services (``candidate_create``, ``application_create``, ``credential_add``, ``resume_upload``),
  so a failure half-way (a damaged résumé found while parsing it) leaves no row and no stored file.
* The applicant is never told whether their phone or e-mail is known: every accepted submission gets the same
  answer. A known person (same mobile number or e-mail, through the blind indexes) gets the application on their
  existing record: nothing they typed overwrites the stored name or contact data, which a stranger could otherwise
  change, and the confirmation with its portal link goes to the *stored* phone and e-mail, never to the ones
  typed. When they already have an active application for the job, no second one is made; their stored contact
  is told once a day that the application is still being processed.
* Source "Careers website" (``SourceChannel.WEBSITE``) on the candidate and the application, so HR's board and
  lists, and the source figures of the dashboards, show where it came from.
* Consent to the job's organisation's privacy notice is required for processing the application; being kept in
  the talent pool and the AI video interview with its recording are asked separately and may be left out. Each
  is recorded with the notice's version and the client address (``candidates.consent``); a form showing an
  older version is refused with a request to read the current one.
* Licence numbers: for a job that requires a licence (``selectors.LICENCE_TYPES``) the number is required; other
  required certificates may be given; each with the date it is valid until, if the applicant gives it (empty:
  does not expire, as a Chinese physician's licence). They become the candidate's credentials, which HR checks
  against the scans asked for at onboarding; the credential gates of R-HOSP-1 apply as for any candidate.
* Bots: a hidden field no person fills (``homepage``) makes the submission be dropped with the usual answer;
  ``CAREERS_APPLY_PER_IP`` submissions per client address per hour (every try counts) and
  ``CAREERS_APPLY_PER_CONTACT`` accepted applications per phone number or e-mail address per day, then
  ``TooManyApplications`` (429).
"""

import datetime as dt
import logging
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.consent import consent_give, notice_current
from candidates.models import Application, Candidate, ConsentChannel, JobRequisition, Purpose, SourceChannel
from candidates.resumes import check_upload, extract_text
from candidates.services import (
    DuplicateCandidate,
    application_create,
    candidate_create,
    clean_candidate_fields,
    credential_add,
    find_duplicates,
    resume_upload,
)
from hrsys.audit.services import audit_record
from hrsys.core.ratelimit import within_limit
from hrsys.core.timezones import local_today
from hrsys.crypto.fields import normalize_email, normalize_phone
from hrsys.crypto.keys import blind_index
from notifications.services import notification_create
from onboarding.links import portal_link

from . import selectors

logger = logging.getLogger(__name__)

ACTOR = "careers"
HONEYPOT_FIELD = "homepage"
#: A licence or certificate number as printed: letters, digits, spaces and dashes.
NUMBER_MAX = 40


class TooManyApplications(Exception):
    """Too many submissions from one client address, or applications for one phone / e-mail (answered 429)."""


@dataclass(frozen=True)
class Submission:
    """What became of a submission; the applicant is told the same in every case.

    ``outcome``: ``new_candidate`` (candidate and application created), ``known_candidate`` (an application
    added to the existing record), ``already_applied`` (an active application for the job exists: nothing added)
    or ``discarded`` (the spam trap was filled: nothing stored)."""

    outcome: str
    candidate_id: int | None = None
    application_id: int | None = None


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# -- checks ---------------------------------------------------------------------------------------------

def _clean_contact(name: str, phone: str, email: str) -> tuple[dict, dict]:
    """(cleaned name / phone / email, errors): the pipeline's own rules, plus a mobile number is required (the
    confirmation and the portal's sign-in codes go by SMS)."""
    errors: dict[str, list] = {}
    values = {"name": name or "", "phone": phone or "", "email": email or ""}
    try:
        cleaned = clean_candidate_fields(values)
    except ValidationError as exc:
        cleaned = {}
        errors.update(exc.message_dict)
    if not (phone or "").strip():
        errors["phone"] = [_("Enter your mobile number.")]
    elif "phone" in cleaned:
        kind = phonenumbers.number_type(phonenumbers.parse(cleaned["phone"]))
        if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
            errors["phone"] = [_("Enter a mobile number: we send the confirmation by SMS.")]
    if "name" in errors and not (name or "").strip():
        errors["name"] = [_("Enter your name.")]
    return cleaned, errors


def _date(value) -> dt.date | None:
    """A date from the form (``YYYY-MM-DD``) or the API (a date already); None when empty."""
    if isinstance(value, dt.date) or value is None:
        return value
    value = str(value).strip()
    return dt.date.fromisoformat(value) if value else None


def _clean_licences(job: JobRequisition, licences: dict) -> tuple[dict, dict]:
    """({credential type: (number, valid until or None)}, errors) for the credentials the job asks for; values for
    others are ignored."""
    numbers, errors = {}, {}
    for asked in selectors.credentials_asked(job):
        raw = " ".join(str(licences.get(asked.field) or "").split())
        try:
            expires = _date(licences.get(asked.expires_field))
        except ValueError:
            errors[asked.expires_field] = [_("Enter a date as YYYY-MM-DD.")]
            expires = None
        if not raw:
            if asked.required or expires:
                errors[asked.field] = [_("Enter the number of your %(licence)s.") % {"licence": asked.label}]
            continue
        if len(raw) > NUMBER_MAX or not all(ch.isalnum() or ch in " -" for ch in raw):
            errors[asked.field] = [_("Enter the number as it is printed: letters, digits and dashes, at most "
                                     "%(n)s characters.") % {"n": NUMBER_MAX}]
            continue
        numbers[asked.type] = (raw, expires)
    return numbers, errors


def _check_rate(key: str, limit: int, seconds: int) -> None:
    if not within_limit(key, limit, seconds):
        raise TooManyApplications(_("Too many applications were sent. Please wait a while and try again."))


# -- the write ------------------------------------------------------------------------------------------

def application_submit(*, job_id: int, name: str = "", phone: str = "", email: str = "", resume: bytes | None = None,
                       resume_name: str = "", licences: dict | None = None, consent: bool = False,
                       consent_version: str = "", consent_talent_pool: bool = False, consent_ai_recording: bool = False,
                       language: str = "zh-hans", honeypot: str = "", ip: str = "", user_agent: str = "") -> Submission:
    """An application from the careers site or the public API (R-PIPE-8): checks, then one transaction; see the
    module docstring for what happens to a known person, the spam trap and the limits.

    Raises ``ValidationError`` (field messages), ``TooManyApplications``."""
    if ip:
        _check_rate(f"careers:apply:ip:{ip}", _setting("CAREERS_APPLY_PER_IP", 20), 3600)
    if (honeypot or "").strip():
        logger.info("careers: a submission with the spam trap filled was dropped (job %s)", job_id)
        return Submission("discarded")

    errors: dict[str, list] = {}
    job = selectors.published_jobs().filter(pk=job_id).first()
    if job is None:
        errors["job"] = [_("This job is no longer open for applications.")]
    cleaned, contact_errors = _clean_contact(name, phone, email)
    errors.update(contact_errors)
    numbers = {}
    if job is not None:
        numbers, licence_errors = _clean_licences(job, licences or {})
        errors.update(licence_errors)
    if not resume:
        errors["resume"] = [_("Attach your résumé as a PDF or Word (.docx) file.")]
    else:
        try:
            # read before the transaction: the job's row stays locked only while the rows are written
            resume_text = extract_text(resume, check_upload(resume))
        except ValidationError as exc:
            errors["resume"] = exc.message_dict.get("file", exc.messages)
    notice = notice_current(job.department.organization_pk) if job is not None else None
    if not consent:
        errors["consent"] = [_("Tick the box to agree to the privacy notice; we cannot process an application "
                               "without it.")]
    elif notice is not None and (consent_version or "").strip() != str(notice.version):
        errors["consent"] = [_("The privacy notice has changed (now version %(version)s). Please read it and "
                               "agree again.") % {"version": notice.version}]
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the languages offered.")]
    if errors:
        raise ValidationError(errors)

    per_contact = _setting("CAREERS_APPLY_PER_CONTACT", 5)
    for contact in filter(None, (normalize_phone(cleaned["phone"]), normalize_email(cleaned.get("email", "")))):
        _check_rate(f"careers:apply:contact:{blind_index(contact)}", per_contact, 86400)

    stored = []  # files written before a failure are removed with the rows (the rollback cannot)
    try:
        purposes = [Purpose.RECRUITMENT, *([Purpose.TALENT_POOL] if consent_talent_pool else []),
                    *([Purpose.AI_RECORDING] if consent_ai_recording else [])]
        return _record(job=job, cleaned=cleaned, numbers=numbers, resume=resume, resume_name=resume_name,
                       resume_text=resume_text, language=language, ip=ip, user_agent=user_agent, stored=stored,
                       notice_version=notice.version, purposes=purposes)
    except ValidationError as exc:
        for f in stored:
            f.delete(save=False)
        if hasattr(exc, "error_dict") and "file" in exc.error_dict:  # the résumé could not be parsed
            raise ValidationError({"resume": exc.message_dict["file"]})
        raise
    except BaseException:
        for f in stored:
            f.delete(save=False)
        raise


def _best_match(matches: list[dict]) -> Candidate:
    """The record a submission belongs to: the one matching most of phone and e-mail, the phone before the
    e-mail (it is what the portal signs in with), then the newest."""
    best = max(matches, key=lambda m: (len(m["fields"]), "phone" in m["fields"], m["id"]))
    return Candidate.objects.get(pk=best["id"])


@transaction.atomic
def _record(*, job, cleaned, numbers, resume, resume_name, resume_text, language, ip, user_agent, stored,
            notice_version: int, purposes: list[str]) -> Submission:
    # Submissions for one job wait for each other: a double tap on "send" finds the first one's candidate.
    job = JobRequisition.objects.select_for_update().select_related("department").get(pk=job.pk)
    now = timezone.now()
    candidate = None
    matches = find_duplicates(phone=cleaned["phone"], email=cleaned.get("email", ""))
    if not matches:
        try:
            with transaction.atomic():
                candidate = candidate_create(actor=ACTOR, job_id=job.pk, application_source=SourceChannel.WEBSITE,
                                             source=SourceChannel.WEBSITE, preferred_language=language,
                                             consent_version=str(notice_version), consent_at=now, **cleaned)
        except DuplicateCandidate as exc:  # the same person was added meanwhile (another job's submission)
            matches = exc.matches
    if matches:
        candidate = _best_match(matches)
        differs = [f for f in ("name", "phone", "email") if cleaned.get(f) and cleaned[f] != getattr(candidate, f)]
        active = Application.objects.active().filter(candidate=candidate, job=job).first()
        if active is not None:
            audit_record(actor=ACTOR, action="careers.apply_again", obj=active,
                         changes={"job": [None, job.pk], "typed_differently": [None, differs]})
            _tell(candidate, job, active, template_key="careers_application_exists",
                  key=f"careers:application:{active.pk}:again:{local_today(now).isoformat()}")
            return Submission("already_applied", candidate.pk, active.pk)
        application = application_create(actor=ACTOR, candidate_id=candidate.pk, job_id=job.pk,
                                         source=SourceChannel.WEBSITE)
        outcome = "known_candidate"
    else:
        differs = []
        application = Application.objects.active().get(candidate=candidate, job=job)
        outcome = "new_candidate"
    held = {(c.type, c.number) for c in candidate.credentials.all()}
    for ctype, (number, expires) in numbers.items():
        if (ctype, number) not in held:
            credential_add(actor=ACTOR, candidate_id=candidate.pk, type=ctype, number=number, expires_on=expires)
    saved = resume_upload(actor=ACTOR, candidate_id=candidate.pk, data=resume, filename=resume_name, job_id=job.pk,
                          text=resume_text)
    stored.append(saved.file)
    consent_give(candidate_id=candidate.pk, organization_id=job.department.organization_pk, purposes=purposes,
                 channel=ConsentChannel.CAREERS, notice_version=notice_version, ip=ip, user_agent=user_agent, now=now)
    audit_record(actor=ACTOR, action="careers.apply", obj=application,
                 changes={"job": [None, job.pk], "known_candidate": [None, outcome == "known_candidate"],
                          "typed_differently": [None, differs], "consent_version": [None, notice_version]})
    _tell(candidate, job, application, template_key="careers_application_received",
          key=f"careers:application:{application.pk}:received")
    return Submission(outcome, candidate.pk, application.pk)


def _tell(candidate, job, application, *, template_key: str, key: str) -> None:
    """The message to the candidate's stored phone and e-mail, each with its own single-use portal link."""
    recipient = candidate.as_recipient()
    for channel in ("sms", "email"):
        context = {"job_title": job.title, "department_name": job.department.name,
                   "organization_name": job.organization_name, "portal_url": portal_link(candidate.pk)}
        notification_create(recipient=recipient, channel=channel, template_key=template_key, context=context,
                            idempotency_key=f"{key}:{channel}"[:200], department=job.department,
                            related=("candidates.application", application.pk), actor=ACTOR,
                            skip_unreachable=True)
