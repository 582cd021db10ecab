"""A web request enqueues a task that a real worker executes; beat fires hr_tick.

The embedded default broker is kombu's filesystem transport (no server needed);
production and CI use Redis. Both are exercised with real `celery` processes.
"""

import pytest

from hrsys.core.models import TaskProbe, TickRun
from tests.conftest import wait_until
from tests.factories import UserFactory

pytestmark = pytest.mark.slow


def _round_trip(celery_worker_process, api_client, broker):
    celery_worker_process.start(broker=broker)
    api_client.force_authenticate(UserFactory(username="probe", role="sysadmin"))
    response = api_client.post("/api/v1/system/task-probes/")
    assert response.status_code == 201
    probe_id = response.json()["id"]
    wait_until(lambda: TaskProbe.objects.filter(pk=probe_id, executed_at__isnull=False).exists(),
               message=f"worker to execute the probe; worker log:\n{celery_worker_process.log()[-2000:]}")
    probe = TaskProbe.objects.get(pk=probe_id)
    assert probe.executed_at >= probe.requested_at


def test_filesystem_broker_worker_executes_task_enqueued_by_web_request(celery_worker_process, api_client):
    _round_trip(celery_worker_process, api_client, "filesystem")


@pytest.mark.redis
def test_redis_broker_worker_executes_task_enqueued_by_web_request(celery_worker_process, api_client):
    _round_trip(celery_worker_process, api_client, "redis")


def test_beat_runs_hr_tick_through_the_worker_on_the_filesystem_broker(celery_worker_process):
    celery_worker_process.start(broker="filesystem", beat=True, HR_TICK_SECONDS="1")
    wait_until(lambda: TickRun.objects.filter(source="beat").count() >= 2,
               message=f"two beat ticks; log:\n{celery_worker_process.log()[-2000:]}")
