"""Masked forms of personal values for logs and other places that must not carry them (R-SEC-2).

``mask_phone("+8613700000017") == "+86 137****0017"``, ``mask_email("li@example.com") == "l***@example.com"``.
``redact(text)`` masks every phone number, e-mail address and ID number found in free text; the logging
handlers run it over each formatted line (``RedactingFilter``) as a second line of defence. Message bodies
and one-time codes have no recognisable shape: code must never pass them to a logger in the first place.
"""

import logging
import re

import phonenumbers

#: Chinese resident ID numbers (18 characters, the last may be X) and the old 15-digit form.
ID_NUMBER_RE = re.compile(r"(?<![\w+])(?:\d{17}[\dXx]|\d{15})(?![\w])")
EMAIL_RE = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
#: Chinese mobile numbers in any usual writing, and any other number in E.164 form.
PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![\d])"
    r"|(?<![\w+])\+\d[\d\s-]{6,16}\d(?![\d])"
)


def mask_phone(value: str) -> str:
    """``+86 137****0017``: country code, the first three and the last four digits of the national number."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", raw)
        return f"***{digits[-2:]}" if len(digits) > 6 else "***"
    national = str(parsed.national_number)
    if len(national) < 8:
        return f"+{parsed.country_code} ***{national[-2:]}"
    return f"+{parsed.country_code} {national[:3]}****{national[-4:]}"


def mask_email(value: str) -> str:
    """``l***@example.com``: the first character of the local part and the domain."""
    raw = (value or "").strip()
    if not raw:
        return ""
    local, at, domain = raw.rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_id_number(value: str) -> str:
    """``110105199001011234`` -> ``110*************34``: nothing that identifies the person."""
    raw = re.sub(r"\s", "", value or "")
    if len(raw) < 8:
        return "***" if raw else ""
    return f"{raw[:3]}{'*' * (len(raw) - 5)}{raw[-2:]}"


def mask_contact(value: str) -> str:
    """A phone number or an e-mail address, whichever ``value`` is, masked."""
    return mask_email(value) if "@" in (value or "") else mask_phone(value)


def redact(text: str) -> str:
    """``text`` with every ID number, e-mail address and phone number in it masked."""
    if not text:
        return text
    text = ID_NUMBER_RE.sub(lambda m: mask_id_number(m.group()), text)
    text = EMAIL_RE.sub(lambda m: mask_email(m.group()), text)
    return PHONE_RE.sub(lambda m: mask_phone(m.group()), text)


class RedactingFilter(logging.Filter):
    """Masks phone numbers, e-mail addresses and ID numbers in a record's message, traceback and stack.

    A handler filter (Django's LOGGING, the Celery worker's handlers): the record is rewritten in place, so
    every handler after it sees the masked text."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the line
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            # formatters print exc_text as it is; without exc_info no later handler can render the raw one
            record.exc_text, record.exc_info = redact(record.exc_text), None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class ClientErrorFilter(logging.Filter):
    """Expected 4xx answers (403, 404, 400 ...) are one short line, without a traceback.

    Django's ``log_response`` attaches the exception of a ``PermissionDenied`` to its "Forbidden" warning;
    a refused request is not a fault of the server and its traceback only fills the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or status >= 500:
            return True
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def install_on(logger: logging.Logger) -> None:
    """Put the filters on every handler of ``logger`` (used for handlers Celery builds itself)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(ClientErrorFilter())
            handler.addFilter(RedactingFilter())
