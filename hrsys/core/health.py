from django.conf import settings
from kombu import Connection


def broker_state() -> str:
    try:
        with Connection(settings.CELERY_BROKER_URL,
                        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                        connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"error: {exc.__class__.__name__}"
