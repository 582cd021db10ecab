"""Local stand-in for SMTP (the default without ``EMAIL_URL``): every e-mail becomes one .eml file in the
development outbox (``notifications.dev_outbox``), never a MIME dump on stdout or in the log (R-SEC-2)."""

import logging

from django.core.mail.backends.base import BaseEmailBackend

from hrsys.core.masking import mask_email

logger = logging.getLogger("notifications.dev_email")


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from notifications import dev_outbox  # noqa: PLC0415 - the module imports the admin

        for message in email_messages:
            kept = dev_outbox.write_email(message)
            # notification_deliver logs its own line for notifications; other mail (a password reset) gets one here
            if "X-Hrsys-Notification" not in message.extra_headers:
                logger.info("email to %s: %s", ", ".join(mask_email(a) for a in message.recipients()) or "-",
                            "kept in the development outbox" if kept else "dropped (DEV_OUTBOX_DIR is empty)")
        return len(email_messages)
