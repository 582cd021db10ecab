"""Offer and onboarding configuration (R-INT-4): pay bands (R-OFFER-1), offer templates and onboarding checklist
templates with their items (R-ONB-2), as the configuration API writes them, audited. The shared steps (scope,
validation, audit) are ``hrsys.core.config``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from candidates.models import JobRequisition
from hrsys.accounts.models import Department
from hrsys.audit.services import snapshot
from hrsys.core.actors import require_perm
from hrsys.core.config import apply_changes, config_save, config_validate, locked_for, visible_or_invalid

from ..models import ChecklistTemplate, ChecklistTemplateItem, OfferTemplate, PayBand
from .drafts import MAX_PROBATION_MONTHS

PAY_BAND_FIELDS = ("department", "job_level", "minimum", "midpoint", "maximum", "currency")
OFFER_TEMPLATE_FIELDS = ("name", "department", "job_level", "probation_months", "validity_days", "working_hours",
                         "benefits", "active")
CHECKLIST_TEMPLATE_FIELDS = ("name", "job", "department", "active")
CHECKLIST_ITEM_FIELDS = ("category", "title", "owner_role", "due_days", "clinical_only", "order")


def _department(actor, changes: dict, *, required: bool = True) -> None:
    """``department_id`` of the input, checked against the actor's scope (None allowed where not required)."""
    if "department_id" in changes and (changes["department_id"] is not None or required):
        visible_or_invalid(Department, actor, changes["department_id"], field="department_id")


# -- pay bands ------------------------------------------------------------------------------------------------

@transaction.atomic
def pay_band_create(*, actor, **values) -> PayBand:
    """A monthly pay range of a job level in a department: minimum <= midpoint <= maximum (R-OFFER-1)."""
    require_perm(actor, "onboarding.add_payband")
    _department(actor, values)
    band = PayBand()
    apply_changes(band, values, allowed=("department_id", *PAY_BAND_FIELDS[1:]))
    return config_save(band, actor=actor, action="pay_band.create", fields=PAY_BAND_FIELDS,
                       scope_field="department_id")


@transaction.atomic
def pay_band_update(*, actor, pay_band_id: int, **changes) -> PayBand:
    """Change a band; offers already drafted keep the figures they were checked against."""
    require_perm(actor, "onboarding.change_payband")
    band = locked_for(PayBand, actor, pay_band_id)
    before = snapshot(band, PAY_BAND_FIELDS)
    _department(actor, changes)
    apply_changes(band, changes, allowed=("department_id", *PAY_BAND_FIELDS[1:]))
    return config_save(band, actor=actor, action="pay_band.update", fields=PAY_BAND_FIELDS, before=before,
                       scope_field="department_id")


# -- offer templates ------------------------------------------------------------------------------------------

def _offer_template_rules(template: OfferTemplate) -> None:
    if template.probation_months is not None and template.probation_months > MAX_PROBATION_MONTHS:
        raise ValidationError({"probation_months": [
            _("Probation is at most %(n)d months.") % {"n": MAX_PROBATION_MONTHS}]})


@transaction.atomic
def offer_template_create(*, actor, **values) -> OfferTemplate:
    """Defaults an offer is drafted from, for a department and those below it, or (no department) for every
    department without its own (R-OFFER-1)."""
    require_perm(actor, "onboarding.add_offertemplate")
    _department(actor, values, required=False)
    template = OfferTemplate()
    apply_changes(template, values, allowed=("department_id", *OFFER_TEMPLATE_FIELDS))
    _offer_template_rules(template)
    return config_save(template, actor=actor, action="offer_template.create", fields=OFFER_TEMPLATE_FIELDS,
                       scope_field="department_id")


@transaction.atomic
def offer_template_update(*, actor, offer_template_id: int, **changes) -> OfferTemplate:
    require_perm(actor, "onboarding.change_offertemplate")
    template = locked_for(OfferTemplate, actor, offer_template_id)
    before = snapshot(template, OFFER_TEMPLATE_FIELDS)
    _department(actor, changes, required=False)
    apply_changes(template, changes, allowed=("department_id", *OFFER_TEMPLATE_FIELDS))
    _offer_template_rules(template)
    return config_save(template, actor=actor, action="offer_template.update", fields=OFFER_TEMPLATE_FIELDS,
                       before=before, scope_field="department_id")


# -- checklist templates --------------------------------------------------------------------------------------

def _checklist_anchor(actor, template: ChecklistTemplate, changes: dict) -> None:
    """A job's template belongs to the job's department (the data scope reads it there)."""
    _department(actor, changes, required=False)
    if changes.get("job_id") is not None:
        job = visible_or_invalid(JobRequisition, actor, changes["job_id"], field="job_id")
        changes["department_id"] = job.department_id


def _item_rows(items) -> list[dict]:
    return [{name: item.get(name) for name in CHECKLIST_ITEM_FIELDS} for item in items]


def _replace_items(template: ChecklistTemplate, items: list[dict]) -> None:
    """The template's items become ``items`` (in order); each checked as the model checks it."""
    rows, errors = [], []
    for number, values in enumerate(items, start=1):
        item = ChecklistTemplateItem(template=template, **{k: v for k, v in values.items()
                                                           if k in CHECKLIST_ITEM_FIELDS})
        if item.order in (None, 0):
            item.order = number
        try:
            item.full_clean(exclude=["template"])
        except ValidationError as exc:
            errors.extend(f"{number}: {field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
        rows.append(item)
    if errors:
        raise ValidationError({"items": errors})
    template.items.all().delete()
    ChecklistTemplateItem.objects.bulk_create(rows)


def _items_now(template) -> list[dict]:
    return list(template.items.order_by("order", "pk").values(*CHECKLIST_ITEM_FIELDS))


@transaction.atomic
def checklist_template_create(*, actor, items: list[dict] | None = None, **values) -> ChecklistTemplate:
    """An onboarding checklist with its items, for a job, a department (and those below) or everyone (R-ONB-2)."""
    require_perm(actor, "onboarding.add_checklisttemplate")
    template = ChecklistTemplate()
    _checklist_anchor(actor, template, values)
    apply_changes(template, values, allowed=("job_id", "department_id", *CHECKLIST_TEMPLATE_FIELDS))
    config_validate(template)
    template.save()  # the items need its id; config_save below saves it again and audits
    _replace_items(template, items or [])
    return config_save(template, actor=actor, action="onboarding.checklist_template.create",
                       fields=CHECKLIST_TEMPLATE_FIELDS, scope_field="department_id",
                       extra_changes={"items": [[], _item_rows(_items_now(template))]})


@transaction.atomic
def checklist_template_update(*, actor, checklist_template_id: int, items: list[dict] | None = None,
                              **changes) -> ChecklistTemplate:
    """Change a checklist template; ``items``, when given, replace its items. Cases already opened keep the
    checklist they were given."""
    require_perm(actor, "onboarding.change_checklisttemplate")
    template = locked_for(ChecklistTemplate, actor, checklist_template_id)
    before = snapshot(template, CHECKLIST_TEMPLATE_FIELDS)
    items_before = _items_now(template)
    _checklist_anchor(actor, template, changes)
    apply_changes(template, changes, allowed=("job_id", "department_id", *CHECKLIST_TEMPLATE_FIELDS))
    extra = {}
    if items is not None:
        config_validate(template)
        _replace_items(template, items)
        after = _items_now(template)
        if after != items_before:
            extra["items"] = [_item_rows(items_before), _item_rows(after)]
    return config_save(template, actor=actor, action="onboarding.checklist_template.update",
                       fields=CHECKLIST_TEMPLATE_FIELDS, before=before, scope_field="department_id",
                       extra_changes=extra)
