"""Twilio status callbacks and keypresses: signatures, out-of-order and replayed callbacks (R-NS-4)."""

import json
from pathlib import Path

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from notifications.models import CandidateAction, DeliveryReceipt, Notification, Status
from tests.notifications.conftest import AUTH_TOKEN, PUBLIC, reload

pytestmark = pytest.mark.django_db
STATUS_PATH = "/api/v1/integrations/twilio/status/"
GATHER_PATH = "/api/v1/integrations/twilio/voice/gather/"
VECTOR = json.loads((Path(__file__).parents[1] / "fixtures" / "twilio_signature_vector.json").read_text())


def test_published_signature_vector_validates():
    validator = RequestValidator(VECTOR["auth_token"])
    assert validator.compute_signature(VECTOR["url"], VECTOR["params"]) == VECTOR["expected_signature"]
    assert validator.validate(VECTOR["url"], VECTOR["params"], VECTOR["expected_signature"])
    assert not validator.validate(VECTOR["url"], {**VECTOR["params"], "Digits": "1"}, VECTOR["expected_signature"])


def post_signed(path, params, *, token=AUTH_TOKEN, query="", signature=None):
    url = f"{PUBLIC}{path}{'?' + query if query else ''}"
    sig = signature if signature is not None else RequestValidator(token).compute_signature(url, params)
    client = Client(enforce_csrf_checks=True)  # machine clients carry no CSRF token
    return client.post(f"{path}{'?' + query if query else ''}", params, HTTP_X_TWILIO_SIGNATURE=sig)


@pytest.fixture
def sent_sms(fake_twilio, make_notification):
    return reload(make_notification(channel="sms", run=True))


def callback(n, status, **extra):
    return {"MessageSid": n.provider_message_id, "MessageStatus": status, "AccountSid": "AC" + "0" * 32,
            "To": "+8613800138000", **extra}


def test_bad_or_missing_signature_is_rejected(sent_sms):
    params = callback(sent_sms, "delivered")
    assert post_signed(STATUS_PATH, params, signature="").status_code == 403
    assert post_signed(STATUS_PATH, params, token="wrong-token").status_code == 403
    response = post_signed(STATUS_PATH, params, signature=VECTOR["expected_signature"])
    assert response.status_code == 403 and response.json()["error"]["code"] == "invalid_signature"
    # a signature for other parameters does not carry over
    good = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}{STATUS_PATH}", params)
    assert post_signed(STATUS_PATH, {**params, "MessageStatus": "failed"}, signature=good).status_code == 403
    assert reload(sent_sms).status == Status.SENT and not DeliveryReceipt.objects.exists()


def test_delivered_callback_moves_forward_and_is_stored_raw(sent_sms):
    response = post_signed(STATUS_PATH, callback(sent_sms, "delivered"), query=f"n={sent_sms.public_token}")
    assert response.status_code == 204
    n = reload(sent_sms)
    assert n.status == Status.DELIVERED and n.delivered_at
    receipt = n.receipts.get()
    assert receipt.applied and json.loads(receipt.payload)["MessageStatus"] == "delivered"


def test_out_of_order_callbacks_never_move_backwards(sent_sms):  # R-NS-4
    query = f"n={sent_sms.public_token}"
    post_signed(STATUS_PATH, callback(sent_sms, "delivered"), query=query)
    post_signed(STATUS_PATH, callback(sent_sms, "sent"), query=query)  # late
    post_signed(STATUS_PATH, callback(sent_sms, "queued"), query=query)
    n = reload(sent_sms)
    assert n.status == Status.DELIVERED
    assert n.receipts.count() == 3 and list(n.receipts.values_list("applied", flat=True)) == [True, False, False]
    post_signed(STATUS_PATH, callback(sent_sms, "read"), query=query)
    assert reload(sent_sms).status == Status.READ
    post_signed(STATUS_PATH, callback(sent_sms, "undelivered", ErrorCode="30003"), query=query)
    assert reload(sent_sms).status == Status.READ


def test_duplicate_callbacks_change_nothing(sent_sms):
    params = callback(sent_sms, "undelivered", ErrorCode="30003")
    for _ in range(3):
        assert post_signed(STATUS_PATH, params).status_code == 204
    n = reload(sent_sms)
    assert n.status == Status.FAILED and n.last_error_code == "30003"
    assert DeliveryReceipt.objects.count() == 1
    # failure alerts HR once, not once per replay
    assert Notification.objects.filter(channel="in_app", related_id=str(n.pk)).count() == \
        Notification.objects.filter(channel="in_app").count()


def test_callback_before_the_worker_recorded_the_sid(make_notification, fake_twilio):
    n = make_notification(channel="sms")  # pending: the worker was lost before storing the SID
    params = {"MessageSid": "SMlatecomer", "MessageStatus": "delivered"}
    assert post_signed(STATUS_PATH, params, query=f"n={n.public_token}").status_code == 204
    n = reload(n)
    assert n.provider_message_id == "SMlatecomer" and n.status == Status.DELIVERED


def test_unknown_sid_is_stored_but_changes_nothing(db, settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    assert post_signed(STATUS_PATH, {"MessageSid": "SMnobody", "MessageStatus": "delivered"}).status_code == 204
    assert DeliveryReceipt.objects.get().notification is None


def test_call_status_maps_to_delivered_or_failed(fake_twilio, make_notification):
    answered = reload(make_notification(channel="voice", run=True))
    missed = reload(make_notification(channel="voice", run=True))
    post_signed(STATUS_PATH, {"CallSid": answered.provider_message_id, "CallStatus": "ringing"})
    post_signed(STATUS_PATH, {"CallSid": answered.provider_message_id, "CallStatus": "completed"})
    post_signed(STATUS_PATH, {"CallSid": missed.provider_message_id, "CallStatus": "no-answer"})
    assert reload(answered).status == Status.DELIVERED
    assert reload(missed).status == Status.FAILED


def test_keypress_is_recorded_as_candidate_action(fake_twilio, make_notification):
    call = reload(make_notification(channel="voice", language="en", run=True))
    response = post_signed(GATHER_PATH, {"CallSid": call.provider_message_id, "Digits": "1"},
                           query=f"n={call.public_token}")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert "you are confirmed" in response.content.decode()
    action = CandidateAction.objects.get()
    assert (action.kind, action.channel, action.detail["digits"]) == ("confirm", "voice", "1")
    assert action.recipient_type == "candidates.candidate" and action.recipient_id == call.recipient_id
    assert reload(call).status == Status.READ
    post_signed(GATHER_PATH, {"CallSid": call.provider_message_id, "Digits": "2"})
    assert CandidateAction.objects.last().kind == "reschedule"
    assert post_signed(GATHER_PATH, {"CallSid": call.provider_message_id, "Digits": "1"},
                       signature="bad").status_code == 403


def test_keypress_signal_reaches_other_apps(fake_twilio, make_notification, outbox):
    from notifications.signals import candidate_action_recorded

    seen = []

    def receiver(sender, action, notification, **kwargs):
        seen.append((action.kind, notification.related_type, notification.related_id))

    candidate_action_recorded.connect(receiver)
    try:
        call = reload(make_notification(channel="voice", related=("interviews.interview", 9), run=True))
        with outbox.committing():
            post_signed(GATHER_PATH, {"CallSid": call.provider_message_id, "Digits": "2"})
    finally:
        candidate_action_recorded.disconnect(receiver)
    assert seen == [("reschedule", "interviews.interview", "9")]
