"""The outbox: idempotent creation, rendering, cancel, the state machine, dispatch (R-NS-3, R-NS-4)."""

import pytest
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from notifications.models import DeliveryAttempt, Notification, Status
from notifications.services import notification_cancel, notification_create
from notifications.types import Recipient
from tests.notifications.conftest import reload

pytestmark = pytest.mark.django_db


def test_same_idempotency_key_never_creates_two_rows(make_notification, outbox):  # R-NS-3
    first = make_notification(idempotency_key="interview:7:reminder-24h")
    second = make_notification(idempotency_key="interview:7:reminder-24h")
    assert first.pk == second.pk
    assert Notification.objects.filter(idempotency_key="interview:7:reminder-24h").count() == 1
    assert outbox.queue == [first.pk]  # enqueued once, after commit


def test_rendered_in_recipient_language(make_notification):
    zh = make_notification(language="zh-hans")
    en = make_notification(language="en")
    assert "张伟您好" in zh.body and "急诊科护士" in zh.body
    assert en.body.startswith("Dear 张伟") and en.subject.startswith("Interview reminder")
    assert en.recipient_phone == "+8613800138000"


def test_contact_data_is_encrypted_at_rest(make_notification):
    from django.db import connection

    n = make_notification()
    with connection.cursor() as cur:
        cur.execute("SELECT recipient_phone, recipient_email FROM notifications_notification WHERE id=%s", [n.pk])
        phone, email = cur.fetchone()
    assert "13800138000" not in phone and "example.org" not in email


def test_bad_input_is_rejected_before_anything_is_written(db):
    recipient = Recipient(type="candidates.candidate", id=1, name="A", phone="", email="a@example.org")
    with pytest.raises(ValidationError) as err:
        notification_create(recipient=recipient, channel="sms", template_key="interview_reminder",
                            context={"job_title": "x", "salary": 1}, idempotency_key="k1")
    assert set(err.value.message_dict) == {"channel", "context"}
    with pytest.raises(ValidationError) as err:
        notification_create(recipient=recipient, channel="email", template_key="nope", context={},
                            idempotency_key="k2")
    assert "template_key" in err.value.message_dict
    assert not Notification.objects.exists()


def test_creation_inside_a_rolled_back_transaction_sends_nothing(db, outbox):
    from django.db import transaction

    recipient = Recipient(type="candidates.candidate", id=1, name="A", phone="+8613800138000")
    with outbox.committing(), pytest.raises(RuntimeError), transaction.atomic():
        notification_create(recipient=recipient, channel="sms", template_key="generic_message",
                            context={"message": "hi"}, idempotency_key="rolled-back")
        raise RuntimeError("caller failed")
    assert outbox.queue == [] and not Notification.objects.exists()


def test_cancel_by_related_object_cancels_pending_only(make_notification, outbox):
    from django.utils import timezone

    later = timezone.now() + timezone.timedelta(days=1)
    pending = make_notification(related=("interviews.interview", 42), due_at=later)
    sent = make_notification(related=("interviews.interview", 42))
    outbox.run()
    other = make_notification(related=("interviews.interview", 43), due_at=later)
    assert notification_cancel(related=("interviews.interview", 42), reason="rescheduled") == 1
    assert reload(pending).status == Status.CANCELLED and reload(pending).cancelled_at
    assert reload(sent).status == Status.SENT
    assert reload(other).status == Status.PENDING
    outbox.tick(later + timezone.timedelta(minutes=1))
    assert reload(pending).status == Status.CANCELLED  # a cancelled reminder is never sent
    with pytest.raises(ValidationError):
        notification_cancel()


def test_status_is_protected_and_illegal_transitions_raise(make_notification):
    from django.utils import timezone

    n = make_notification()
    with pytest.raises(AttributeError):
        n.status = Status.SENT
    now = timezone.now()
    with pytest.raises(TransitionNotAllowed):
        n.fail(now=now)  # pending cannot fail without a try
    n.claim(now=now, lease_seconds=60)
    with pytest.raises(TransitionNotAllowed):
        n.cancel(now=now)  # in flight: cannot be taken back
    n.mark_sent(provider_message_id="X", now=now)
    with pytest.raises(TransitionNotAllowed):
        n.claim(now=now, lease_seconds=60)
    n.mark_delivered(now=now)
    with pytest.raises(TransitionNotAllowed):
        n.mark_sent(provider_message_id="Y", now=now)
    with pytest.raises(TransitionNotAllowed):
        n.retry_later(at=now, code="", message="")


def test_dispatch_sweep_sends_due_rows_once(make_notification, outbox):  # R-INT-3
    from django.utils import timezone

    now = timezone.now()
    due = make_notification(due_at=now - timezone.timedelta(minutes=1))
    future = make_notification(due_at=now + timezone.timedelta(hours=2))
    outbox.queue.clear()
    summary = outbox.tick(now)
    assert summary["claimed"] == 1
    assert reload(due).status == Status.SENT and reload(due).provider_message_id.startswith("CONSOLE-SMS-")
    assert reload(future).status == Status.PENDING
    # a second sweep and a redelivered task change nothing
    assert outbox.tick(now)["claimed"] == 0
    outbox.queue.append(due.pk)
    assert outbox.run()[-1] == (due.pk, "skipped:sent")
    assert DeliveryAttempt.objects.filter(notification=due).count() == 1


def test_hr_tick_command_runs_the_dispatch_sweep(make_notification, outbox):
    from io import StringIO

    from django.core.management import call_command

    n = make_notification()
    outbox.queue.clear()
    out = StringIO()
    with outbox.committing():
        call_command("hr_tick", "--only", "notifications.dispatch", stdout=out)
    outbox.run()
    assert "claimed': 1" in out.getvalue()
    assert reload(n).status == Status.SENT


def test_in_app_alert_and_inbox(users, outbox):
    from notifications.selectors import inbox

    with outbox.committing():
        n = notification_create(recipient=Recipient.for_user(users.hr), channel="in_app",
                                template_key="generic_alert",
                                context={"title": "T", "message": "M", "url": ""}, idempotency_key="alert-1")
    outbox.run()
    assert list(inbox(user=users.hr)) == [reload(n)]
    assert list(inbox(user=users.er_manager)) == []
