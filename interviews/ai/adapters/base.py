"""What every vendor adapter shares: the parsed delivery, the errors, signature checks (R-AI-1, R-AI-3).

A new vendor is a subclass of :class:`Adapter` (``parse`` at least) plus a
``Vendor`` row naming its dotted path; nothing else changes.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from hrsys.events.signing import sign as hrsys_v1_sign

from ..models import SignatureScheme


class DeliveryError(Exception):
    """A delivery we refuse. ``status`` is the HTTP answer, ``code`` a stable reason code,
    ``fields`` names the offending parts of the body (400 only)."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, fields=None):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields or {}


class SignatureError(DeliveryError):
    status = 403
    code = "bad_signature"


class PayloadError(DeliveryError):
    status = 400
    code = "invalid"


class UnknownAssessment(PayloadError):
    code = "unknown_assessment"


class OversizedBody(DeliveryError):
    status = 413
    code = "too_large"


MEDIA_KINDS = ("video", "audio", "report")


@dataclass
class ParsedDelivery:
    """A vendor's delivery in hrsys's terms.

    ``kind`` "result" carries scores; "progress" only a candidate action
    (``action``: link_open, started, completed).
    """

    event: str
    kind: str
    assessment_id: str
    vendor_result_id: str = ""
    action: str = ""
    revision: bool = False
    overall: float | None = None
    dimensions: dict[str, float] = field(default_factory=dict)
    recommendation: str = ""
    preferences: dict = field(default_factory=dict)
    transcript: str = ""
    signals: dict = field(default_factory=dict)
    media: list[tuple[str, str]] = field(default_factory=list)
    report_url: str = ""
    started_at: datetime | None = None
    completed_at: datetime | None = None
    delivery_id: str = ""


# -- signatures ------------------------------------------------------------------------------------

# Hex HMAC-SHA256 of ``<t>.<raw body>``: the scheme both hrsys-v1 and Vervoe use, and hrsys's own outgoing
# events (one recipe for both directions)
sign = hrsys_v1_sign


def _parse_signature_header(value: str, sig_key: str) -> tuple[int, list[str]]:
    timestamp, sigs = None, []
    for part in value.split(","):
        key, _sep, val = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(val)
            except ValueError:
                timestamp = None
        elif key == sig_key and val:
            sigs.append(val.strip().lower())
    if timestamp is None or not sigs:
        raise SignatureError(_("The signature header must look like t=<unix time>,%(key)s=<hex digest>.")
                             % {"key": sig_key}, code="malformed_signature", status=401)
    return timestamp, sigs


SCHEMES = {
    SignatureScheme.HRSYS_V1: ("X-Hrsys-Signature", "v1"),
    SignatureScheme.VERVOE: ("Vervoe-Signature", "hash"),
}


def verify_signature(*, scheme: str, headers, body: bytes, secrets: list[str], tolerance: int,
                     now: datetime) -> int:
    """Check the signature over the raw body and the freshness of its timestamp; returns the timestamp.

    Missing or malformed header: 401. Wrong digest, stale or future timestamp: 403 (R-AI-1).
    """
    header, sig_key = SCHEMES[scheme]
    value = headers.get(header, "")
    if not value:
        raise SignatureError(_("The %(header)s header is missing.") % {"header": header}, code="missing_signature",
                             status=401)
    timestamp, sigs = _parse_signature_header(value, sig_key)
    expected = [sign(secret, timestamp, body) for secret in secrets]
    if not any(hmac.compare_digest(e, s) for e in expected for s in sigs):
        raise SignatureError(_("The signature does not match the body."), code="bad_signature")
    age = now.timestamp() - timestamp
    if abs(age) > tolerance:
        raise SignatureError(
            _("The signature timestamp is %(age)d seconds %(direction)s; at most %(tolerance)d are allowed.")
            % {"age": abs(age), "direction": _("old") if age > 0 else _("in the future"), "tolerance": tolerance},
            code="stale_timestamp")
    return timestamp


def load_json(body: bytes) -> dict:
    """The body as a JSON object, or a 400 naming the line and column where parsing failed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError(_("The body is not UTF-8 text."), code="malformed_json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(_("Malformed JSON at line %(line)d, column %(col)d: %(msg)s.")
                           % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}, code="malformed_json")
    if not isinstance(data, dict):
        raise PayloadError(_("The body must be a JSON object."), code="malformed_json")
    return data


def number(value, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(_("%(field)s must be a number.") % {"field": field_name}, fields={field_name: [
            _("Must be a number.")]})
    try:
        n = float(value)
    except ValueError:
        raise PayloadError(_("%(field)s must be a number.") % {"field": field_name},
                           fields={field_name: [_("Must be a number.")]})
    if n != n or n in (float("inf"), float("-inf")):
        raise PayloadError(_("%(field)s must be a finite number.") % {"field": field_name},
                           fields={field_name: [_("Must be a finite number.")]})
    return n


def moment(value, field_name: str) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_datetime(str(value)) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise PayloadError(_("%(field)s must be an ISO 8601 time with a time zone.") % {"field": field_name},
                           fields={field_name: [_("Give an ISO 8601 time with a time zone.")]})
    return parsed


def day(value, field_name: str) -> date | None:
    if value in (None, ""):
        return None
    parsed = parse_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise PayloadError(_("%(field)s must be a date (YYYY-MM-DD).") % {"field": field_name},
                           fields={field_name: [_("Give a date as YYYY-MM-DD.")]})
    return parsed


class Adapter:
    """Base class: one instance per vendor row. Subclasses implement :meth:`parse`."""

    label = "adapter"
    #: header carrying the vendor's own delivery id, when it sends one
    delivery_id_header = ""
    #: spreadsheet column aliases for bulk import: canonical name -> other headers seen in vendor exports
    import_aliases: dict[str, tuple[str, ...]] = {}

    def __init__(self, vendor):
        self.vendor = vendor

    def verify(self, *, headers, body: bytes, now: datetime) -> int:
        return verify_signature(scheme=self.vendor.signature_scheme, headers=headers, body=body,
                                secrets=self.vendor.secrets(), tolerance=self.vendor.timestamp_tolerance_seconds,
                                now=now)

    def parse(self, body: bytes, *, headers=None) -> ParsedDelivery:
        raise NotImplementedError

    def delivery_key(self, *, headers, body: bytes, parsed: ParsedDelivery) -> str:
        """The vendor's delivery id when sent, else the body's hash: a retry of the same bytes is one delivery."""
        if parsed.delivery_id:
            return f"id:{parsed.delivery_id}"[:120]
        if self.delivery_id_header and headers.get(self.delivery_id_header):
            return f"id:{headers.get(self.delivery_id_header)}"[:120]
        return f"sha256:{hashlib.sha256(body).hexdigest()}"
