"""Validation of personal identifiers and of the structured parts of a job (R-PIPE-1, R-PIPE-5).

Each validator raises ``django.core.exceptions.ValidationError`` with an English
msgid; services collect them per field so a request learns about every bad field at once.
"""

import datetime
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 11643-1999: 17 weighted digits, sum mod 11 indexes the check character.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_number_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> str:
    """Return the normalised 18-character resident ID number or raise."""
    normalized = re.sub(r"\s", "", value or "").upper()
    if not _ID_RE.match(normalized):
        raise ValidationError(_("A resident ID number has 17 digits followed by a digit or X."), code="format")
    try:
        datetime.date(int(normalized[6:10]), int(normalized[10:12]), int(normalized[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date inside the resident ID number is not a real date."), code="date")
    if id_number_check_char(normalized[:17]) != normalized[17]:
        raise ValidationError(_("The resident ID number fails its checksum (GB 11643)."), code="checksum")
    return normalized


def validate_phone(value: str) -> str:
    """Return the phone number in E.164 (China is the default region) or raise."""
    try:
        parsed = phonenumbers.parse((value or "").strip(), "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("This is not a phone number."), code="invalid")
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("This is not a valid phone number."), code="invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _require_list(value, what):
    if not isinstance(value, list):
        raise ValidationError(_("%(what)s must be a list.") % {"what": what}, code="type")


def validate_skill_requirements(value) -> None:
    """``[{"name": "静脉穿刺", "weight": 3, "aliases": ["IV"]}, ...]``; weights 1..10, names unique."""
    _require_list(value, "skills")
    seen = set()
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise ValidationError(_("Skill %(n)s needs a name.") % {"n": i + 1}, code="skill")
        unknown = set(item) - {"name", "weight", "aliases"}
        if unknown:
            raise ValidationError(_("Skill %(n)s has unknown keys: %(keys)s.") % {"n": i + 1, "keys": ", ".join(sorted(unknown))})
        weight = item.get("weight", 1)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 10:
            raise ValidationError(_("Skill %(name)s: weight must be a whole number from 1 to 10.") % {"name": item["name"]})
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise ValidationError(_("Skill %(name)s: aliases must be a list of words.") % {"name": item["name"]})
        key = item["name"].strip().lower()
        if key in seen:
            raise ValidationError(_("Skill %(name)s is listed twice.") % {"name": item["name"]})
        seen.add(key)


def _validate_anchors(item) -> None:
    """A dimension's own anchor texts for the interview scorecard's levels 1-5 (R-PIPE-7): ``{"1": "...", ...}``
    (some levels) or a list of five texts; levels left out keep the default wording."""
    anchors = item.get("anchors")
    if anchors is None:
        return
    if isinstance(anchors, list):
        ok = len(anchors) == 5 and all(isinstance(t, str) for t in anchors)
    else:
        ok = isinstance(anchors, dict) and all(k in {"1", "2", "3", "4", "5"} and isinstance(t, str)
                                               for k, t in anchors.items())
    if not ok:
        raise ValidationError(_("Dimension %(key)s: anchors are texts for the levels 1 to 5, by level "
                                "or as a list of five.") % {"key": item["key"]})


def validate_assessment_dimensions(value) -> None:
    """``[{"key": "communication", "label": "沟通", "pass": 70, "borderline": 60}, ...]``; 0 <= borderline <= pass <= 100."""
    _require_list(value, "dimensions")
    seen = set()
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not re.match(r"^[a-z][a-z0-9_]*$", item["key"]):
            raise ValidationError(_("Dimension %(n)s needs a key of lowercase letters, digits and _.") % {"n": i + 1})
        unknown = set(item) - {"key", "label", "pass", "borderline", "anchors"}
        if unknown:
            raise ValidationError(_("Dimension %(key)s has unknown keys: %(keys)s.") % {"key": item["key"], "keys": ", ".join(sorted(unknown))})
        _validate_anchors(item)
        passing, borderline = item.get("pass"), item.get("borderline")
        numbers = (passing, borderline)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 100 for v in numbers):
            raise ValidationError(_("Dimension %(key)s: pass and borderline must be numbers from 0 to 100.") % {"key": item["key"]})
        if borderline > passing:
            raise ValidationError(_("Dimension %(key)s: the borderline threshold cannot be above the pass threshold.") % {"key": item["key"]})
        if item["key"] in seen:
            raise ValidationError(_("Dimension %(key)s is listed twice.") % {"key": item["key"]})
        seen.add(item["key"])


def validate_credential_types(value) -> None:
    from .models import CredentialType  # noqa: PLC0415 - models import this module

    _require_list(value, "credentials")
    unknown = [v for v in value if v not in CredentialType.values]
    if unknown:
        raise ValidationError(_("Unknown credential types: %(types)s.") % {"types": ", ".join(map(str, unknown))})


def validate_credential_checkpoints(value) -> None:
    from .models import CREDENTIAL_GATEABLE  # noqa: PLC0415 - models import this module

    _require_list(value, "checkpoints")
    unknown = [v for v in value if v not in CREDENTIAL_GATEABLE]
    if unknown:
        raise ValidationError(_("These moves cannot be gated by credentials: %(moves)s.") % {"moves": ", ".join(map(str, unknown))})


def validate_skill_list(value) -> None:
    _require_list(value, "skills")
    if not all(isinstance(s, str) and s.strip() and len(s) <= 60 for s in value):
        raise ValidationError(_("Skills must be a list of words of at most 60 characters."))
