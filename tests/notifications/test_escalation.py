"""Escalation when a message is not delivered / not opened, and learned channel preference (R-NS-2, R-NS-3)."""

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification, Status
from notifications.selectors import preferred_channels
from notifications.services import candidate_action_record, notification_escalate_due
from tests.notifications.conftest import reload

pytestmark = pytest.mark.django_db


def _escalate(outbox, at):
    with time_machine.travel(at, tick=False), outbox.committing():
        return notification_escalate_due(now=timezone.now())


def test_sms_not_delivered_in_an_hour_becomes_a_voice_call(make_notification, outbox):  # R-NS-3
    sms = reload(make_notification(channel="sms", escalation_policy="sms-undelivered-1h-voice",
                                   related=("interviews.interview", 5), run=True))
    assert sms.status == Status.SENT
    assert _escalate(outbox, sms.sent_at + timezone.timedelta(minutes=59))["escalated"] == 0
    assert _escalate(outbox, sms.sent_at + timezone.timedelta(minutes=61))["escalated"] == 1
    call = Notification.objects.get(escalated_from=sms)
    assert call.channel == "voice" and call.template_key == "interview_reminder"
    assert call.related_id == "5" and call.recipient_phone == sms.recipient_phone
    assert "急诊科护士" in call.body and "https://" not in call.body
    # the sweep runs every minute: still exactly one escalation
    assert _escalate(outbox, sms.sent_at + timezone.timedelta(minutes=62))["escalated"] == 0
    assert Notification.objects.filter(escalated_from=sms).count() == 1


def test_delivered_sms_is_not_escalated(make_notification, outbox):
    from notifications.services import twilio_callback_record

    sms = reload(make_notification(channel="sms", escalation_policy="sms-undelivered-1h-voice", run=True))
    twilio_callback_record(params={"MessageSid": sms.provider_message_id, "MessageStatus": "delivered"})
    result = _escalate(outbox, sms.sent_at + timezone.timedelta(hours=2))
    assert result == {"escalated": 0, "resolved": 1}
    assert not Notification.objects.filter(escalated_from=sms).exists()


def test_failed_sms_escalates_at_once(fake_twilio, make_notification, outbox):
    fake_twilio.fail_next(400, 21211)
    sms = reload(make_notification(channel="sms", escalation_policy="sms-undelivered-1h-voice", run=True))
    assert sms.status == Status.FAILED
    assert _escalate(outbox, timezone.now())["escalated"] == 1


def test_preference_is_learned_from_where_the_person_answered(make_notification, outbox):  # R-NS-2
    first = make_notification(channel="sms")
    rid = first.recipient_id
    assert preferred_channels(recipient_type="candidates.candidate", recipient_id=rid) == ["sms", "email", "voice"]
    for _ in range(2):
        candidate_action_record(kind="confirm", channel="email", recipient_type="candidates.candidate",
                                recipient_id=rid)
    candidate_action_record(kind="link_open", channel="voice", recipient_type="candidates.candidate",
                            recipient_id=rid)
    assert preferred_channels(recipient_type="candidates.candidate", recipient_id=rid) == ["email", "voice", "sms"]
    # channel="auto" follows the preference
    from notifications.types import Recipient

    auto = make_notification(channel="auto", recipient=Recipient(
        type="candidates.candidate", id=rid, name="张伟", phone="+8613800138000", email="z@example.org"))
    assert auto.channel == "email"
    # ... as far as the person can be reached
    phone_only = make_notification(channel="auto", recipient=Recipient(
        type="candidates.candidate", id=rid, name="张伟", phone="+8613800138000"))
    assert phone_only.channel == "voice"


def test_unopened_message_escalates_to_the_preferred_other_channel(make_notification, outbox):  # R-NS-2, R-NS-3
    sms = reload(make_notification(channel="sms", escalation_policy="unopened-24h-preferred", run=True))
    candidate_action_record(kind="reply", channel="email", recipient_type=sms.recipient_type,
                            recipient_id=sms.recipient_id)
    assert _escalate(outbox, sms.sent_at + timezone.timedelta(hours=25))["escalated"] == 1
    assert Notification.objects.get(escalated_from=sms).channel == "email"


def test_opened_message_is_not_escalated(make_notification, outbox, client):
    sms = reload(make_notification(channel="sms", escalation_policy="unopened-24h-preferred", run=True))
    link = sms.links.first()
    assert client.get(f"/l/{link.token}").status_code == 302
    assert _escalate(outbox, sms.sent_at + timezone.timedelta(hours=25))["escalated"] == 0
    assert not Notification.objects.filter(escalated_from=sms).exists()


def test_hr_tick_runs_the_escalation_sweep(make_notification, outbox):
    from hrsys.core.periodic import registered_jobs

    assert {"notifications.dispatch", "notifications.escalate"} <= set(registered_jobs())
