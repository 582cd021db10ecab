"""What ``/healthz`` reports: the database, the broker, and the figures apps register (the operations section of
the README says what to watch and what to do)."""

from collections.abc import Callable

from django.conf import settings
from kombu import Connection

_figures: dict[str, Callable[[], object]] = {}


def health_figure(name: str):
    """Register a figure ``/healthz`` reports (read while the database answers; a failing one reports its error)."""
    def register(func):
        _figures[name] = func
        return func
    return register


def health_figures() -> dict[str, object]:
    out = {}
    for name, figure in sorted(_figures.items()):
        try:
            out[name] = figure()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            out[name] = f"error: {exc.__class__.__name__}"
    return out


def queue_depth() -> int | None:
    """Tasks waiting in the broker's default queue (Redis); None for other brokers."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return None
    import redis  # noqa: PLC0415 - only with a Redis broker

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)
    return int(client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))


def broker_state() -> str:
    try:
        with Connection(settings.CELERY_BROKER_URL,
                        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                        connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"error: {exc.__class__.__name__}"
