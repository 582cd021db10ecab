"""Two beats running by mistake: every period's sweeps run once, and every due message goes out once (R-SEC-8,
R-NS-4; issue 21 item 4).

A real worker and two real ``celery beat`` processes tick every second; each tick (``hrsys.core.tasks.hr_tick``)
claims its beat period with a unique row before running the sweeps, and takes PostgreSQL's advisory lock so two
never run at once. Due SMS go out through the real ``twilio`` client to the fake Twilio server.
"""

from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from hrsys.core.models import TickRun
from notifications.models import Notification, Status
from notifications.services import notification_create
from notifications.types import Recipient
from tests.conftest import wait_until
from tests.notifications.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC

pytestmark = pytest.mark.slow

COUNT = 40


@pytest.mark.redis
def test_r_sec_8_two_beats_run_each_period_once_and_send_each_message_once(celery_worker_process, fake_twilio):
    if connection.vendor != "postgresql":
        pytest.skip("two workers' ticks take turns through PostgreSQL's advisory lock")
    with transaction.atomic():
        ids = [notification_create(
            recipient=Recipient(type="candidates.candidate", id=i, name=f"候选人{i}", phone=f"+86139{i:08d}"),
            channel="sms", template_key="generic_message", context={"message": f"提醒{i}", "subject": "s"},
            idempotency_key=f"two-beats:{i}", due_at=timezone.now() - timezone.timedelta(seconds=1),
            ignore_quiet_hours=True).pk for i in range(COUNT)]
    celery_worker_process.start(broker="redis", beat=2, concurrency=2, HR_TICK_SECONDS="1", SMS_BACKEND="twilio",
                                TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                                TWILIO_FROM_NUMBER="+15005550006", TWILIO_API_BASE=fake_twilio.url,
                                PUBLIC_BASE_URL=PUBLIC, NOTIFICATIONS_SENDER_RATE="0")
    wait_until(lambda: Notification.objects.filter(pk__in=ids, status=Status.SENT).count() == COUNT, timeout=180,
               interval=0.5, message=f"every message sent; log:\n{celery_worker_process.log()[-3000:]}")
    # and a few more periods with both beats ticking, some of whose ticks find their period claimed
    wait_until(lambda: "hr_tick skipped" in celery_worker_process.log() and TickRun.objects.filter(
        source="beat").count() >= 5, timeout=120, message=f"more beat periods; log:\n{celery_worker_process.log()[-3000:]}")

    to_numbers = Counter(m["to"] for m in fake_twilio.messages)
    assert len(to_numbers) == COUNT and set(to_numbers.values()) == {1}, "each recipient got exactly one SMS"
    runs = TickRun.objects.filter(source="beat")
    assert not runs.filter(slot__isnull=True).exists()
    assert not runs.values("slot").annotate(n=Count("id")).filter(n__gt=1).exists()  # one run per period
    finished = [run.results for run in runs if run.results]  # the latest may still be running
    assert finished and all("notifications.dispatch" in results for results in finished)  # each ran the sweeps
