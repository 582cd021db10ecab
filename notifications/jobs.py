"""Periodic sweeps of the notifications app, run every minute by hr_tick."""

from django.utils import timezone

from hrsys.core.health import health_figure
from hrsys.core.periodic import periodic_job

from . import services
from .models import Notification, ProviderCircuit, Status


@periodic_job("notifications.dispatch")
def dispatch(now):
    return services.notification_dispatch_due(now=now)


@periodic_job("notifications.escalate")
def escalate(now):
    return services.notification_escalate_due(now=now)


@health_figure("oldest_due_message_seconds")
def oldest_due_message_seconds() -> int:
    """How long the longest-waiting message due to be sent has waited (0: none waits); what the dispatch sweep
    reads first, on the same index. Growing minute after minute: no beat, no worker, or the provider is down."""
    now = timezone.now()
    oldest = (Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
              .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
    return int((now - oldest).total_seconds()) if oldest else 0


@health_figure("paused_providers")
def paused_providers() -> list[str]:
    """Sending backends whose circuit is open (a provider failing again and again): their messages wait."""
    return list(ProviderCircuit.objects.filter(open_until__gt=timezone.now()).values_list("backend", flat=True))


@periodic_job("notifications.sms_receipts")
def sms_receipts(now):
    """Delivery receipts of Aliyun / Tencent Cloud SMS, pulled (R-CN-1); nothing when neither is configured."""
    from .services.sms_receipts import sms_receipts_pull  # noqa: PLC0415 - the provider SDKs load only when the job runs

    return sms_receipts_pull(now=now)
