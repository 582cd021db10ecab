import socket
from functools import partial

from django.db import transaction
from django.utils import timezone

from .models import TaskProbe
from .tasks import task_probe_execute


@transaction.atomic
def task_probe_request() -> TaskProbe:
    probe = TaskProbe.objects.create()
    transaction.on_commit(partial(task_probe_execute.delay, probe.pk))
    return probe


@transaction.atomic
def task_probe_mark_executed(*, probe_id: int) -> None:
    probe = TaskProbe.objects.select_for_update().filter(pk=probe_id).first()
    if probe is None or probe.executed_at is not None:  # idempotent: redelivery changes nothing
        return
    probe.executed_at = timezone.now()
    probe.worker = socket.gethostname()
    probe.save(update_fields=["executed_at", "worker"])
