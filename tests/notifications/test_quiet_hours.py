"""Quiet hours in the recipient's time zone, 21:00-08:00 by default; calls never at night (R-NS-3)."""

from datetime import UTC, datetime

import pytest
import time_machine

from notifications.models import Status
from notifications.quiet_hours import quiet_until
from tests.notifications.conftest import reload

pytestmark = [pytest.mark.django_db, pytest.mark.no_daytime]

# 22:30 in Shanghai on 23 Nov 2026
NIGHT = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
MORNING_SHANGHAI = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 CST


def test_quiet_until_crosses_midnight_in_the_recipient_zone():
    assert quiet_until(NIGHT, "Asia/Shanghai") == MORNING_SHANGHAI
    assert quiet_until(datetime(2026, 11, 23, 21, 0, tzinfo=UTC), "Asia/Shanghai") == MORNING_SHANGHAI  # 05:00
    assert quiet_until(datetime(2026, 11, 23, 2, 0, tzinfo=UTC), "Asia/Shanghai") is None  # 10:00
    # 22:30 Shanghai is 09:30 in New York: not quiet there
    assert quiet_until(NIGHT, "America/New_York") is None


def test_custom_window(settings):
    settings.NOTIFICATIONS_QUIET_HOURS = "12:00-13:00"
    assert quiet_until(datetime(2026, 11, 23, 4, 30, tzinfo=UTC), "Asia/Shanghai") == \
        datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def test_sms_due_at_night_waits_for_the_morning(make_notification, outbox):
    with time_machine.travel(NIGHT, tick=False):
        n = make_notification(channel="sms")
        assert outbox.queue == []  # not enqueued at night
        summary = outbox.tick()
    assert summary == {"claimed": 0, "deferred": 1, "reclaimed": 0}
    n = reload(n)
    assert n.status == Status.PENDING and n.next_attempt_at == MORNING_SHANGHAI
    with time_machine.travel(MORNING_SHANGHAI, tick=False):
        outbox.tick()
    assert reload(n).status == Status.SENT and reload(n).sent_at == MORNING_SHANGHAI


def test_urgent_sms_may_go_at_night_but_a_call_never(make_notification, outbox):
    with time_machine.travel(NIGHT, tick=False):
        sms = make_notification(channel="sms", ignore_quiet_hours=True)
        call = make_notification(channel="voice", ignore_quiet_hours=True)
        outbox.run()
        outbox.tick()
    assert reload(sms).status == Status.SENT
    assert reload(call).status == Status.PENDING and reload(call).next_attempt_at == MORNING_SHANGHAI


def test_recipient_time_zone_decides(make_notification, outbox):
    with time_machine.travel(NIGHT, tick=False):
        abroad = make_notification(channel="sms", time_zone="America/New_York")
        home = make_notification(channel="sms")
        outbox.run()
        outbox.tick()
    assert reload(abroad).status == Status.SENT
    assert reload(home).status == Status.PENDING


def test_retry_falling_into_quiet_hours_is_deferred(make_notification, outbox, fake_twilio):
    evening = datetime(2026, 11, 23, 12, 59, tzinfo=UTC)  # 20:59 CST
    fake_twilio.fail_next(503, 20503)
    with time_machine.travel(evening, tick=False):
        n = make_notification(channel="sms", run=True)
    assert reload(n).status == Status.PENDING  # retry due 21:00, inside quiet hours
    with time_machine.travel(reload(n).next_attempt_at, tick=False):
        outbox.tick()
    assert reload(n).next_attempt_at == MORNING_SHANGHAI and reload(n).attempt_count == 1
