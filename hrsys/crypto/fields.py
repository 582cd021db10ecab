"""Encrypted model fields and blind indexes (R-SEC-2).

``EncryptedTextField`` stores an AES-256-GCM token bound to ``table.column``.
``BlindIndexField(source=..., normalizer=...)`` stores HMAC-SHA256 of the
normalised source value, computed on save, for exact lookups::

    Candidate.objects.filter(phone_index=Candidate.phone_index_for("+86 138 0013 8000"))
"""

import re

import phonenumbers
from django.db import models

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
