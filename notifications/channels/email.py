import base64
import hashlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from .base import Backend, PermanentSendError, SendResult, TransientSendError


def message_id_for(notification) -> str:
    """Deterministic per notification: a resend after a lost worker carries the same
    Message-ID, which receiving systems use to drop the duplicate."""
    digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:32]
    domain = getattr(settings, "NOTIFICATIONS_MESSAGE_ID_DOMAIN", "hrsys.local")
    return f"<notif-{digest}@{domain}>"


class EmailBackend(Backend):
    name = "email"

    def send(self, notification) -> SendResult:
        if not notification.recipient_email:
            raise PermanentSendError("no email address", code="no_email")
        message_id = message_id_for(notification)
        msg = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient_email],
            headers={"Message-ID": message_id, "X-Hrsys-Notification": notification.public_token},
            connection=get_connection(fail_silently=False),
        )
        if notification.html_body:
            msg.attach_alternative(notification.html_body, "text/html")
        for item in notification.attachments or ():
            msg.attach(item["filename"], base64.b64decode(item["content_b64"]), item.get("content_type"))
        try:
            msg.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentSendError(f"recipient refused: {exc.recipients}", code="smtp_550")
        except smtplib.SMTPResponseException as exc:
            error = PermanentSendError if 500 <= exc.smtp_code < 600 else TransientSendError
            raise error(str(exc.smtp_error), code=f"smtp_{exc.smtp_code}")
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(str(exc) or exc.__class__.__name__, code="smtp_unavailable")
        return SendResult(message_id, {"message_id": message_id})
