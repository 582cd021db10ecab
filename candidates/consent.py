"""Privacy notices per organisation and candidates' consent per purpose (PIPL; R-SEC-5, issue 19 item 1).

* Each organisation (hospital, company) publishes its own notice, in Chinese and English; HR edits it by
  publishing a new version (published versions never change). Until an organisation publishes one, the standard
  notice shipped with hrsys is its version 1.
* A candidate agrees per purpose: processing the application (required to apply), being kept in the talent
  pool after the application closes, and the AI video interview with its recording. Each answer is a
  ``ConsentRecord`` (version, time, channel); withdrawing is another record, never an edit or a delete.
* When the notice changes, consent given to an older version still stands, but the portal asks again.
* What needs which consent: an AI interview invitation needs the recording consent; putting a closed
  application in the talent pool needs the talent-pool consent, and withdrawing it takes the candidate's
  applications of that organisation out of the pool (they are then kept as closed applications are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from hrsys.accounts.models import Department
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm, staff_user
from hrsys.core.config import organisation_or_invalid

from .models import Application, Candidate, ConsentChannel, ConsentRecord, PrivacyNotice, Purpose, State

#: the standard notice's version: what every organisation shows until it publishes its own
STANDARD_VERSION = 1
STANDARD_TEXT = gettext_lazy(
    "We process your personal information (contact data, resume, interview results, identity and bank data for "
    "onboarding) only to run your application and, if you join us, your employment, as the Personal Information "
    "Protection Law allows. Sensitive data is encrypted; only the HR staff and managers responsible for your "
    "application can see it; every access is logged. Data of candidates who are not hired is deleted after two "
    "years unless you agree to stay in our talent pool. You may ask HR to see, correct or delete your data at any "
    "time.")
#: purposes a candidate may leave out when applying (processing the application itself is required)
OPTIONAL_PURPOSES = (Purpose.TALENT_POOL, Purpose.AI_RECORDING)


@dataclass(frozen=True)
class Notice:
    """The notice an organisation shows now."""

    organization_id: int
    version: int
    text_zh_hans: str
    text_en: str
    published_at: datetime | None

    def text(self, language: str | None = None) -> str:
        return self.text_en if (language or "").startswith("en") else self.text_zh_hans


def standard_notice(organization_id: int = 0) -> Notice:
    """The notice shipped with hrsys (version 1), in both languages."""
    with override("zh-hans"):
        zh = str(STANDARD_TEXT)
    with override("en"):
        en = str(STANDARD_TEXT)
    return Notice(organization_id, STANDARD_VERSION, zh, en, None)


def notices_current(organization_ids) -> dict[int, Notice]:
    """Each organisation's notice shown now (one query for all of them: the few versions each has)."""
    ids = set(organization_ids)
    latest = {}
    for notice in PrivacyNotice.objects.filter(organization_id__in=ids).order_by("organization_id", "version"):
        latest[notice.organization_id] = Notice(notice.organization_id, notice.version, notice.text_zh_hans,
                                                notice.text_en, notice.published_at)
    return {org: latest.get(org) or standard_notice(org) for org in ids}


def notice_current(organization_id: int) -> Notice:
    return notices_current([organization_id])[organization_id]


def candidate_organizations(candidate_id: int) -> list[Department]:
    """The organisations a candidate deals with: those of the jobs they applied to, oldest application first."""
    paths = (Application.objects.filter(candidate_id=candidate_id).order_by("created_at", "id")
             .values_list("job__department__path", flat=True))
    ids = list(dict.fromkeys(filter(None, map(Department.organization_pk_of, paths))))
    by_id = Department.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def consent_latest(*, candidate_id: int, organization_id: int) -> dict[str, ConsentRecord | None]:
    """Per purpose, the candidate's latest answer to this organisation (None: never asked)."""
    latest: dict[str, ConsentRecord | None] = dict.fromkeys(Purpose.values)
    for record in ConsentRecord.objects.filter(candidate_id=candidate_id, organization_id=organization_id) \
            .order_by("at", "id"):
        latest[record.purpose] = record
    return latest


def consenting(*, candidate_ids, organization_id: int, purpose: str) -> set[int]:
    """Those of ``candidate_ids`` whose latest answer for ``purpose`` to this organisation is yes (any notice
    version): one query however many candidates are asked about."""
    latest: dict[int, bool] = {}
    for candidate_id, given in (ConsentRecord.objects.filter(candidate_id__in=list(candidate_ids),
                                                             organization_id=organization_id, purpose=purpose)
                                .order_by("at", "id").values_list("candidate_id", "given")):
        latest[candidate_id] = given
    return {candidate_id for candidate_id, given in latest.items() if given}


def consent_given(*, candidate_id: int, organization_id: int, purpose: str) -> bool:
    """Whether the candidate's latest answer for ``purpose`` to this organisation is yes (any notice version)."""
    return candidate_id in consenting(candidate_ids=[candidate_id], organization_id=organization_id, purpose=purpose)


def application_consented(application: Application, purpose: str) -> bool:
    """Whether the application's candidate agreed to ``purpose`` with the organisation of its job."""
    return consent_given(candidate_id=application.candidate_id,
                         organization_id=application.job.department.organization_pk, purpose=purpose)


def consent_summary(candidate: Candidate) -> list[dict]:
    """For the portal and HR: per organisation, the notice shown now and the candidate's answer per purpose.

    ``asks_again``: the candidate has not agreed to the current version for processing their application
    (never, or only to an older version) and has not withdrawn it either."""
    organizations = candidate_organizations(candidate.pk)
    notices = notices_current([org.pk for org in organizations])
    summary = []
    for org in organizations:
        notice = notices[org.pk]
        latest = consent_latest(candidate_id=candidate.pk, organization_id=org.pk)
        purposes = []
        for purpose in Purpose:
            record = latest[purpose.value]
            given = bool(record and record.given)
            purposes.append({"purpose": purpose.value, "label": purpose.label, "record": record, "given": given,
                             "withdrawn": bool(record and not record.given),
                             "current": given and record.notice_version == notice.version})
        recruitment = latest[Purpose.RECRUITMENT]
        legacy = recruitment is None and bool(candidate.consent_version)  # recorded by HR before consent records
        summary.append({"organization": org, "notice": notice, "purposes": purposes, "legacy": legacy,
                        "asks_again": not (recruitment and (not recruitment.given
                                                            or recruitment.notice_version == notice.version))})
    return summary


def _clean_purposes(purposes) -> list[str]:
    purposes = list(dict.fromkeys(purposes or []))
    unknown = [p for p in purposes if p not in Purpose.values]
    if unknown or not purposes:
        raise ValidationError({"purposes": [_("Choose what you agree to: %(known)s.")
                                            % {"known": ", ".join(str(p.label) for p in Purpose)}]})
    return purposes


def _organization(organization_id) -> Department:
    org = Department.objects.filter(pk=organization_id, kind=Department.Kind.ORGANIZATION).first()
    if org is None:
        raise ValidationError({"organization": [_("Choose an organisation (a hospital or a company).")]})
    return org


@transaction.atomic
def consent_give(*, candidate_id: int, organization_id: int, purposes, channel: str, notice_version: int | None = None,
                 ip: str = "", user_agent: str = "", actor=None, now: datetime | None = None) -> list[ConsentRecord]:
    """The candidate agrees to ``purposes`` of the organisation's current notice (R-SEC-5).

    ``notice_version``: the version the candidate was shown; an older one is refused (the notice changed
    meanwhile: show it again). ``actor``: the HR user who records consent given on paper (channel "staff")."""
    if actor is not None:
        require_perm(actor, "candidates.add_consentrecord")
    now = now or timezone.now()
    purposes = _clean_purposes(purposes)
    org = _organization(organization_id)
    notice = notice_current(org.pk)
    if notice_version is not None and int(notice_version) != notice.version:
        raise ValidationError({"notice_version": [
            _("The privacy notice has changed (now version %(version)s). Please read it and agree again.")
            % {"version": notice.version}]})
    if channel not in ConsentChannel.values:
        raise ValidationError({"channel": [_("Unknown channel.")]})
    candidate = Candidate.objects.select_for_update().filter(pk=candidate_id).first()
    if candidate is None or candidate.anonymised_at:
        raise ValidationError({"candidate": [_("Unknown candidate.")]})
    records = ConsentRecord.objects.bulk_create([
        ConsentRecord(candidate=candidate, organization=org, purpose=purpose, given=True,
                      notice_version=notice.version, at=now, channel=channel, ip=ip or None,
                      user_agent=(user_agent or "")[:400], recorded_by=staff_user(actor) if actor else None)
        for purpose in purposes])
    audit_record(actor=actor or f"{channel}:candidate:{candidate.pk}", action="consent.give", obj=candidate,
                 changes={"purpose": [None, purposes], "notice_version": [None, notice.version],
                          "organization": [None, org.pk], "channel": [None, channel]})
    return records


@transaction.atomic
def consent_withdraw(*, candidate_id: int, organization_id: int, purpose: str, channel: str, ip: str = "",
                     user_agent: str = "", actor=None, now: datetime | None = None) -> ConsentRecord:
    """The candidate withdraws one purpose (PIPL art. 15): recorded, and what rested on it stops (R-SEC-5).

    Talent pool: the candidate's applications of this organisation leave the pool (closed as withdrawn, kept
    as closed applications are). AI recording: no new AI interview invitation. Processing the application:
    recorded for HR, who close the applications (the candidate may also withdraw them or ask for deletion).
    Nothing to withdraw answers 409."""
    now = now or timezone.now()
    (purpose,) = _clean_purposes([purpose])
    org = _organization(organization_id)
    candidate = Candidate.objects.select_for_update().filter(pk=candidate_id).first()
    if candidate is None:
        raise ValidationError({"candidate": [_("Unknown candidate.")]})
    if not consent_given(candidate_id=candidate.pk, organization_id=org.pk, purpose=purpose):
        raise Conflict(_("There is no consent to withdraw for this purpose."))
    record = ConsentRecord.objects.create(
        candidate=candidate, organization=org, purpose=purpose, given=False,
        notice_version=notice_current(org.pk).version, at=now, channel=channel, ip=ip or None,
        user_agent=(user_agent or "")[:400], recorded_by=staff_user(actor) if actor else None)
    who = actor or f"{channel}:candidate:{candidate.pk}"
    audit_record(actor=who, action="consent.withdraw", obj=candidate,
                 changes={"purpose": [purpose, None], "organization": [None, org.pk], "channel": [None, channel]})
    if purpose == Purpose.TALENT_POOL:
        from .services.pipeline import application_transition  # noqa: PLC0415 - the pipeline imports this module

        for app_id in (Application.objects.filter(candidate=candidate, state=State.TALENT_POOL,
                                                  job__department__path__startswith=f"/{org.pk}/")
                       .values_list("pk", flat=True)):
            application_transition(actor=who, application_id=app_id, transition="leave_talent_pool",
                                   reason=str(_("The candidate withdrew consent to the talent pool.")))
    return record


def consent_required(*, application: Application, purpose: str) -> None:
    """Refuse (409: the candidate's answer, not the input, is what is missing) when the application's
    candidate has not agreed to ``purpose`` with the organisation of its job."""
    if application_consented(application, purpose):
        return
    messages = {
        Purpose.AI_RECORDING: _("The candidate has not agreed to an AI video interview and its recording. Ask them "
                                "to agree in the candidate portal (Privacy), or record their written consent."),
        Purpose.TALENT_POOL: _("The candidate has not agreed to be kept in the talent pool. Ask them to agree in the "
                               "candidate portal (Privacy), or record their written consent."),
    }
    raise Conflict(messages.get(purpose, _("The candidate has not agreed to this.")), allowed=[])


def privacy_notice_errors(*, actor, organization_id, text_zh_hans: str, text_en: str) -> dict[str, list]:
    """What is wrong with a notice about to be published (the admin form shows it beside the fields)."""
    errors: dict[str, list] = {}
    try:
        organisation_or_invalid(actor, organization_id, field="organization")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    texts = {"text_zh_hans": (text_zh_hans or "").strip(), "text_en": (text_en or "").strip()}
    for field, text in texts.items():
        if len(text) < 40:
            errors[field] = [_("Write the whole notice (at least 40 characters).")]
    if not errors:
        current = notice_current(organization_id)
        if texts["text_zh_hans"] == current.text_zh_hans and texts["text_en"] == current.text_en:
            errors["text_zh_hans"] = [_("Nothing changed: this is the notice shown now.")]
    return errors


@transaction.atomic
def privacy_notice_publish(*, actor, organization_id: int, text_zh_hans: str, text_en: str,
                           now: datetime | None = None) -> PrivacyNotice:
    """Publish a new version of an organisation's notice (HR); candidates are asked again (R-SEC-5)."""
    require_perm(actor, "candidates.add_privacynotice")
    now = now or timezone.now()
    errors = privacy_notice_errors(actor=actor, organization_id=organization_id, text_zh_hans=text_zh_hans,
                                   text_en=text_en)
    if errors:
        raise ValidationError(errors)
    texts = {"text_zh_hans": text_zh_hans.strip(), "text_en": text_en.strip()}
    org = Department.objects.select_for_update().get(pk=organization_id)  # publications of one organisation queue
    current = notice_current(org.pk)
    notice = PrivacyNotice.objects.create(organization=org, version=current.version + 1, published_at=now,
                                          published_by=staff_user(actor), **texts)
    audit_record(actor=actor, action="privacy_notice.publish", obj=notice,
                 changes={"version": [current.version, notice.version]})
    return notice
