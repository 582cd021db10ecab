"""Encrypted model fields and blind indexes (R-SEC-2).

``EncryptedTextField`` stores an AES-256-GCM token bound to ``table.column``.
``BlindIndexField(source=..., normalizer=...)`` stores HMAC-SHA256 of the
normalised source value, computed on save, for exact lookups::

    Candidate.objects.filter(phone_index=Candidate.phone_index_for("+86 138 0013 8000"))
"""

import re
from decimal import Decimal, InvalidOperation

import phonenumbers
from django import forms
from django.core import validators as core_validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

from . import keys


def normalize_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", value)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()


def normalize_id_number(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


class EncryptedTextField(models.TextField):
    """Text encrypted at rest; the empty string stays empty (nothing to protect, and it keeps blank=True simple)."""

    def aad(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return keys.decrypt_text(value, aad=self.aad())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return keys.encrypt_text(str(value), aad=self.aad())

    def get_lookup(self, lookup_name):
        # Ciphertexts are randomised: only null checks make sense. Exact search
        # goes through the blind index.
        if lookup_name not in ("isnull",):
            return None
        return super().get_lookup(lookup_name)


class EncryptedDecimalField(EncryptedTextField):
    """A decimal (a salary) encrypted at rest like any personal text, read back as a ``Decimal``.

    The column holds the AES-256-GCM token of the canonical string (``decimal_places`` fixed, so
    ``Decimal("9000")`` is stored and read back as ``Decimal("9000.00")``, as a ``DecimalField`` would). The
    database cannot compare, sum or sort it: only ``isnull`` lookups exist, and figures over salaries are
    computed in Python from the decrypted values of the rows at hand (R-SEC-2).
    """

    empty_strings_allowed = False
    default_error_messages = models.DecimalField.default_error_messages

    def __init__(self, *args, max_digits=None, decimal_places=None, **kwargs):
        self.max_digits, self.decimal_places = max_digits, decimal_places
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.max_digits is not None:
            kwargs["max_digits"] = self.max_digits
        if self.decimal_places is not None:
            kwargs["decimal_places"] = self.decimal_places
        return name, path, args, kwargs

    @cached_property
    def validators(self):
        return [*super().validators, core_validators.DecimalValidator(self.max_digits, self.decimal_places)]

    def to_python(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, float):
            value = repr(value)
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return number

    def canonical(self, value) -> str:
        """The plaintext stored for ``value``: fixed decimal places, no exponent."""
        number = self.to_python(value)
        if self.decimal_places is not None:
            number = number.quantize(Decimal(1).scaleb(-self.decimal_places))
        return f"{number:f}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return Decimal(keys.decrypt_text(value, aad=self.aad()))

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)  # resolves lazy objects; not TextField's str()
        if value is None or value == "":
            return None
        return keys.encrypt_text(self.canonical(value), aad=self.aad())

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **{"form_class": forms.DecimalField, "max_digits": self.max_digits,
                                               "decimal_places": self.decimal_places, **kwargs})


class BlindIndexField(models.CharField):
    def __init__(self, *args, source: str, normalizer=None, **kwargs):
        self.source = source
        self.normalizer = normalizer
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.normalizer is not None:
            kwargs["normalizer"] = self.normalizer
        return name, path, args, kwargs

    def index_for(self, raw: str) -> str:
        normalized = self.normalizer(raw) if self.normalizer else (raw or "").strip()
        return keys.blind_index(normalized) if normalized else ""

    def pre_save(self, model_instance, add):
        value = self.index_for(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def blind_index_for(model, field_name: str, raw: str) -> str:
    """The blind-index value to filter ``field_name`` by, for a raw search term."""
    return model._meta.get_field(field_name).index_for(raw)


def encrypted_fields(model) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def migrate_column_encryption(apps, schema_editor, *, model: str, fields: list[str], encrypt: bool = True,
                              batch_size: int = 1000) -> int:
    """Data migration step for columns that became ``EncryptedTextField`` / ``EncryptedDecimalField`` (R-SEC-2).

    ``encrypt=True`` turns the plaintext values of ``model`` ("app_label.Model") into tokens bound to
    ``table.column`` (decimals in their canonical form); values already encrypted are left as they are, so a
    re-run is harmless. ``encrypt=False`` turns tokens back into plaintext, for the reverse migration. Raw SQL
    in primary-key batches: the model's own field would try to decrypt the plaintext. Returns the rows changed.
    """
    opts = apps.get_model(model)._meta
    qn = schema_editor.connection.ops.quote_name
    table, pk = qn(opts.db_table), qn(opts.pk.column)
    targets = [opts.get_field(name) for name in fields]
    cols = [qn(f.column) for f in targets]
    aads = [f"{opts.db_table}.{f.column}" for f in targets]
    changed, last = 0, None
    with schema_editor.connection.cursor() as cur:
        while True:
            where = "" if last is None else f" WHERE {pk} > %s"
            cur.execute(f"SELECT {pk}, {', '.join(cols)} FROM {table}{where} ORDER BY {pk} LIMIT {int(batch_size)}",
                        [] if last is None else [last])
            rows = cur.fetchall()
            if not rows:
                return changed
            updates = []
            for row_pk, *values in rows:
                new = []
                for field, aad, value in zip(targets, aads, values, strict=True):
                    text = None if value is None else str(value)
                    if not text:
                        new.append(value)
                    elif encrypt and not text.startswith(f"{keys.PREFIX}:"):
                        plain = field.canonical(value) if isinstance(field, EncryptedDecimalField) else text
                        new.append(keys.encrypt_text(plain, aad=aad))
                    elif not encrypt and text.startswith(f"{keys.PREFIX}:"):
                        new.append(keys.decrypt_text(text, aad=aad))
                    else:
                        new.append(value)
                if new != list(values):
                    updates.append([*new, row_pk])
            if updates:
                assignments = ", ".join(f"{c} = %s" for c in cols)
                cur.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", updates)
                changed += len(updates)
            last = rows[-1][0]
