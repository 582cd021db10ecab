"""The shared steps of the configuration services (R-INT-4): departments, devices, pay bands, templates, policies.

Each resource has its own named services (``pay_band_create``, ``device_update`` ...) in its app; they share
these steps so that every one of them refuses and records alike:

* :func:`visible_or_invalid` -- a row named by id in the input (a department, a job) must lie within the
  actor's data scope; an unknown id and an id outside the scope get the same 400 on that field (no leak);
* :func:`locked_for` -- the row being changed, locked, within the actor's scope (404 outside it);
* :func:`config_save` -- ``full_clean`` (the model's own ``clean()`` and constraints: 400 with field messages),
  save, then the rule that a staff actor writes only rows inside their own data scope (a row left without
  its department or moved out of reach is refused on ``scope_field``), and the audit row with before and
  after. Callers are ``@transaction.atomic``: a refusal after the save rolls it back, nothing half-saved.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from hrsys.accounts.models import Department
from hrsys.audit.services import audit_record, diff_fields, snapshot

from .actors import staff_user


def _scoped(model) -> bool:
    return getattr(model, "scope_path", None) is not None


def config_rows(model, actor):
    """The rows of ``model`` the actor may configure: their data scope when the model declares one, else all."""
    user = staff_user(actor)
    if user is not None and _scoped(model):
        return model.objects.for_user(user)
    return model._default_manager.all()


def visible_or_invalid(model, actor, pk, *, field: str, message: str = "", **filters):
    """The ``model`` row ``pk`` if the actor may see it (and it matches ``filters``), else a 400 on ``field``."""
    row = config_rows(model, actor).filter(pk=pk, **filters).first() if isinstance(pk, int) else None
    if row is None:
        raise ValidationError({field: [message or _("Choose one you may see.")]})
    return row


def organisation_or_invalid(actor, pk, *, field: str = "organisation") -> Department:
    """The organisation (a hospital or company) ``pk`` if the actor may see it, else a 400 on ``field``."""
    return visible_or_invalid(Department, actor, pk, field=field, kind=Department.Kind.ORGANIZATION,
                              message=_("Choose a hospital or company you may see."))


def locked_for(model, actor, pk):
    """The row being changed, ``select_for_update``, within the actor's scope; 404 outside it (never 403)."""
    row = config_rows(model, actor).select_for_update().filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def config_validate(obj, *, exclude=None) -> None:
    """``full_clean`` with the errors keyed as the API names the fields (a 400 naming them)."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ValidationError(_by_input_names(type(obj), exc)) from None


def config_save(obj, *, actor, action: str, fields, before: dict | None = None, scope_field: str | None = None,
                extra_changes: dict | None = None, exclude=None):
    """Validate, save and audit a configuration row (see the module docstring); returns it."""
    config_validate(obj, exclude=exclude)
    obj.save()
    user = staff_user(actor)
    if user is not None and _scoped(type(obj)) and not type(obj).objects.for_user(user).filter(pk=obj.pk).exists():
        raise ValidationError({scope_field or "non_field_errors": [
            _("You may only configure what lies within your own departments.")]})
    changes = diff_fields(before or {}, snapshot(obj, fields), model=type(obj))
    changes.update(extra_changes or {})
    if before is None or changes:
        audit_record(actor=actor, action=action, obj=obj, changes=changes)
    return obj


def _by_input_names(model, exc: ValidationError):
    """Field errors keyed as the API names the fields: a relation by its id (``department`` -> ``department_id``)."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {}
    for name, errors in exc.error_dict.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # NON_FIELD_ERRORS and names that are not fields stay as they are
            field = None
        renamed[field.attname if field is not None and (field.many_to_one or field.one_to_one) else name] = errors
    return renamed


def refuse_unknown(values: dict, allowed) -> None:
    """A 400 naming every given field that is not ``allowed``."""
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})


def apply_changes(obj, changes: dict, *, allowed) -> None:
    """Set the given fields (``<name>_id`` for relations already checked by the caller); others are a 400."""
    refuse_unknown(changes, allowed)
    for name, value in changes.items():
        setattr(obj, name, value)
