"""Drafting an offer and changing the draft (R-OFFER-1, R-HOSP-1): the job's offer template, the candidate's
expected salary and earliest start (AI interview / portal), the department's pay band; and the rules an offer
keeps whenever it is drafted, changed, submitted or sent (terms, band minimum, credentials)."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application
from candidates.models import State as AppState
from candidates.services import credential_problems_in_words
from hrsys.api.errors import Conflict
from hrsys.audit.services import MASK, audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user
from hrsys.crypto.fields import encrypted_fields

from .. import selectors
from ..models import Offer, OfferState, OfferTemplate
from ._common import _conflict, _date, _lock_offer, _money, _setting

#: Offer fields encrypted at rest: masked in audit rows like every encrypted field (R-SEC-2).
SECRET_FIELDS = frozenset(f.name for f in encrypted_fields(Offer))
EDITABLE_FIELDS = ("monthly_salary", "start_date", "probation_months", "valid_until", "job_level", "working_hours",
                   "benefits", "note")
MAX_PROBATION_MONTHS = 6  # PRC Labour Contract Law art. 19: never more than six months


def template_for(job, template_id=None) -> OfferTemplate | None:
    if template_id:
        tpl = OfferTemplate.objects.filter(pk=template_id, active=True).first()
        if tpl is None:
            raise ValidationError({"template": [_("Unknown or inactive offer template.")]})
        return tpl
    ids = [int(p) for p in job.department.path.strip("/").split("/") if p]
    by_dept = {t.department_id: t for t in OfferTemplate.objects.filter(active=True, department_id__in=ids)}
    for dept_id in reversed(ids):
        if dept_id in by_dept:
            return by_dept[dept_id]
    return OfferTemplate.objects.filter(active=True, department__isnull=True).order_by("pk").first()


def _apply_band(offer) -> None:
    band = selectors.pay_band_for(offer.application.job.department, offer.job_level)
    offer.band_min, offer.band_mid, offer.band_max = (band.minimum, band.midpoint, band.maximum) if band \
        else (None, None, None)


def check_band_rules(offer) -> None:
    """Band rules (R-OFFER-1): never below the band minimum; above the maximum needs the HR director (chain)."""
    if offer.band_min is not None and offer.monthly_salary < offer.band_min:
        raise ValidationError({"monthly_salary": [
            _("%(amount)s is below the pay band minimum %(min)s for this level.")
            % {"amount": offer.monthly_salary, "min": offer.band_min}]})


def check_terms(offer) -> None:
    errors = {}
    if offer.probation_months > MAX_PROBATION_MONTHS:
        errors["probation_months"] = [_("Probation can be at most %(n)s months.") % {"n": MAX_PROBATION_MONTHS}]
    today = timezone.localdate()
    if offer.valid_until < today:
        errors["valid_until"] = [_("The answer date is in the past.")]
    if offer.start_date < today:
        errors["start_date"] = [_("The start date is in the past.")]
    if errors:
        raise ValidationError(errors)
    check_band_rules(offer)


def check_credentials(application) -> None:
    """R-HOSP-1: a missing or expired required credential blocks the offer when the job says so."""
    problems = application.credential_problems()
    if problems and "make_offer" in (application.job.credential_checkpoints or []):
        labels = credential_problems_in_words(problems)
        raise Conflict(_("Blocked by the job's credential requirements: %(p)s.") % {"p": labels}, allowed=[])


@transaction.atomic
def offer_draft(*, actor, application_id: int, monthly_salary=None, start_date=None, probation_months=None,
                job_level: str | None = None, template_id: int | None = None, valid_until=None,
                note: str = "") -> Offer:
    """Draft an offer from the job's offer template, the candidate's expected salary and earliest start date
    (AI interview / portal) and the department's pay band; HR adjusts afterwards (R-OFFER-1, R-HOSP-1)."""
    _require(actor, "onboarding.add_offer")
    user = _user(actor)
    apps = Application.objects.for_user(user) if user is not None else Application.objects.all()
    app = (apps.select_related("job__department", "candidate").prefetch_related("candidate__credentials")
           .filter(pk=application_id).first())
    if app is None:
        raise Http404
    app = Application.objects.select_for_update().select_related("job__department", "candidate").get(pk=app.pk)
    if app.state not in (AppState.INTERVIEWING, AppState.OFFER):
        raise Conflict(_("An offer can be drafted only after the interviews (the application is %(s)s).")
                       % {"s": app.get_state_display()}, allowed=[])
    if Offer.objects.open().filter(application=app).exists():
        raise Conflict(_("This application already has an open offer."), allowed=[])
    check_credentials(app)
    tpl = template_for(app.job, template_id)
    prefs = selectors.candidate_preferences(app)
    today = timezone.localdate()
    offer = Offer(application=app, template=tpl, created_by=user,
                  job_level=(job_level if job_level is not None else (tpl.job_level if tpl else "")) or "",
                  probation_months=probation_months if probation_months is not None
                  else (tpl.probation_months if tpl else 3),
                  working_hours=tpl.working_hours if tpl else "", benefits=tpl.benefits if tpl else "",
                  expected_salary=prefs["expected_salary"], note=note or "", monthly_salary=Decimal("0"))
    _apply_band(offer)
    if monthly_salary is not None:
        offer.monthly_salary = _money(monthly_salary, "monthly_salary")
    elif prefs["expected_salary"] is not None:
        amount = prefs["expected_salary"]  # the expectation, brought into the band
        if offer.band_min is not None:
            amount = min(max(amount, offer.band_min), offer.band_max)
        offer.monthly_salary = amount
    elif offer.band_mid is not None:
        offer.monthly_salary = offer.band_mid
    else:
        raise ValidationError({"monthly_salary": [_("No pay band and no expected salary: enter the salary.")]})
    earliest = prefs["earliest_start_date"]
    default_start = today + timedelta(days=int(_setting("OFFER_DEFAULT_START_DAYS", 14)))
    offer.start_date = _date(start_date, "start_date") if start_date else max(earliest or default_start, today)
    offer.valid_until = _date(valid_until, "valid_until") if valid_until \
        else today + timedelta(days=tpl.validity_days if tpl else 7)
    check_terms(offer)
    offer.save()
    # salaries are encrypted personal data: the audit row says that they were set, not what they are (R-SEC-2)
    audit_record(actor=actor, action="offer.draft", obj=offer, changes={
        "monthly_salary": [None, MASK], "start_date": [None, offer.start_date.isoformat()],
        "band": [None, offer.band_position], "expected_salary": [None, MASK if offer.expected_salary else ""]})
    return offer


@transaction.atomic
def offer_update(*, actor, offer_id: int, **changes) -> Offer:
    """HR adjusts a draft; every change raises the version (a letter of an older version cannot be signed)."""
    _require(actor, "onboarding.change_offer")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    offer = _lock_offer(actor, offer_id)
    if offer.state != OfferState.DRAFT:
        _conflict(offer, _("Only a draft can be changed (the offer is %(s)s).") % {"s": offer.get_state_display()})
    before = {name: str(getattr(offer, name)) for name in changes}
    for name, value in changes.items():
        if name == "monthly_salary":
            value = _money(value, name)
        elif name in ("start_date", "valid_until"):
            value = _date(value, name)
        elif name == "probation_months":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValidationError({name: [_("Enter a number of months.")]})
        setattr(offer, name, value)
    _apply_band(offer)
    check_terms(offer)
    offer.version += 1
    offer.save()
    audit_record(actor=actor, action="offer.update", obj=offer,
                 changes={k: [MASK, MASK] if k in SECRET_FIELDS else [before[k], str(getattr(offer, k))]
                          for k in changes})
    return offer
