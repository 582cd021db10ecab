"""The development outbox: what the console backends "send", kept for staff to read, never logged (R-SEC-2).

Without Twilio and SMTP (``make run``), console SMS and voice and the outbox e-mail backend write each
message as one file under ``DEV_OUTBOX_DIR`` (``var/outbox/``): ``.txt`` for SMS and voice, ``.eml`` with its
attachments (the .ics) for e-mail. The system administrator reads them at ``/admin/notifications/dev-outbox/``
(demo sign-in codes included). The page exists only while a console backend is in use and the directory is
set; it lists every message unscoped, so it is for superusers only.
"""

import email
import email.policy
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from hrsys.audit.services import access_log

from .models import Notification

#: Django's console backend prints whole MIME messages to stdout, which the Celery worker logs:
#: settings swap it for this one.
EMAIL_BACKEND = "notifications.channels.dev_email.OutboxEmailBackend"
_NAME_RE = re.compile(r"^\d{8}T\d{12}-(sms|voice|email)-[0-9a-f]{6}\.(txt|eml)$")
LIMIT = 200


def directory() -> Path | None:
    value = getattr(settings, "DEV_OUTBOX_DIR", "")
    return Path(value) if value else None


def console_in_use() -> bool:
    return (getattr(settings, "SMS_BACKEND", "console") != "twilio"
            or getattr(settings, "VOICE_BACKEND", "console") != "twilio"
            or settings.EMAIL_BACKEND in (EMAIL_BACKEND, "django.core.mail.backends.console.EmailBackend"))


def enabled() -> bool:
    return directory() is not None and console_in_use()


def _write(kind: str, ext: str, content: bytes) -> Path | None:
    folder = directory()
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{kind}-{secrets.token_hex(3)}.{ext}"
    # readable by the owner only: the files hold sign-in codes and contact data
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return target


def write_text_message(notification, *, channel: str, backend: str) -> Path | None:
    """One SMS or voice message as a small header block and the text."""
    head = (f"Channel: {channel}\nTo: {notification.recipient_phone}\nNotification: {notification.pk}\n"
            f"Backend: {backend}\nLanguage: {notification.language}\n\n")
    return _write(channel, "txt", (head + notification.body + "\n").encode())


def write_email(message) -> Path | None:
    """One ``EmailMessage`` as the .eml an SMTP server would have received (attachments included)."""
    return _write("email", "eml", message.message().as_bytes(linesep="\n"))


@dataclass
class Entry:
    name: str
    channel: str
    at: datetime
    to: str = ""
    notification: str = ""
    subject: str = ""
    body: str = ""
    attachments: list[str] = field(default_factory=list)


def _read(file: Path) -> Entry:
    channel = _NAME_RE.match(file.name).group(1)
    at = datetime.fromtimestamp(file.stat().st_mtime, UTC)
    if channel == "email":
        msg = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain", "html"))
        return Entry(name=file.name, channel=channel, at=at, to=str(msg.get("To", "")),
                     notification=str(msg.get("X-Hrsys-Notification", "")), subject=str(msg.get("Subject", "")),
                     body=part.get_content() if part is not None else "",
                     attachments=[a.get_filename() or a.get_content_type() for a in msg.iter_attachments()])
    head, _sep, body = file.read_text(encoding="utf-8").partition("\n\n")
    headers = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    return Entry(name=file.name, channel=channel, at=at, to=headers.get("To", ""),
                 notification=headers.get("Notification", ""), body=body.rstrip("\n"))


def entries(limit: int = LIMIT) -> list[Entry]:
    """The newest messages first."""
    folder = directory()
    if folder is None or not folder.is_dir():
        return []
    files = sorted((f for f in folder.iterdir() if _NAME_RE.match(f.name)), key=lambda f: f.name, reverse=True)
    return [_read(f) for f in files[:limit]]


# -- the staff page -------------------------------------------------------------------------------------------

def _guard(request) -> None:
    if not enabled():
        raise Http404
    if not request.user.is_superuser:
        raise PermissionDenied


def outbox_list(request):
    _guard(request)
    items = entries()
    # e-mails carry the notification's public token, SMS and voice its id: show the id for both
    by_token = dict(Notification.objects.filter(public_token__in=[e.notification for e in items
                                                                  if e.channel == "email"])
                    .values_list("public_token", "pk"))
    for e in items:
        e.notification = str(by_token.get(e.notification, "")) if e.channel == "email" else e.notification
    access_log(actor=request.user, kind="view", obj=("notifications.dev_outbox", "list"),
               detail=f"{len(items)} messages")
    context = {**admin.site.each_context(request), "title": _("Development outbox"), "entries": items,
               "directory": directory(), "limit": LIMIT}
    return TemplateResponse(request, "admin/notifications/dev_outbox.html", context)


def outbox_file(request, name: str):
    """The raw file: an .eml opens in a mail client, with its calendar invitation."""
    _guard(request)
    folder = directory()
    if not _NAME_RE.match(name) or not (folder / name).is_file():
        raise Http404
    access_log(actor=request.user, kind="download", obj=("notifications.dev_outbox", name))
    content_type = "message/rfc822" if name.endswith(".eml") else "text/plain; charset=utf-8"
    return FileResponse((folder / name).open("rb"), as_attachment=True, filename=name, content_type=content_type)


app_name = "dev_outbox"
urlpatterns = [
    path("", admin.site.admin_view(outbox_list), name="list"),
    path("<str:name>", admin.site.admin_view(outbox_file), name="file"),
]
