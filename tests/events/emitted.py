"""What the stages' emitter tests share (R-INT-2): subscribe an organisation to some event types, then check
that exactly one event of a type was recorded for it, with the keys docs/events.md documents and none of the
person's data in the JSON. Each stage's test module imports the ``_no_event_broker`` fixture."""

import json
import re
from pathlib import Path

import pytest

from hrsys.events import tasks
from hrsys.events.models import Event, Subscription

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"
#: keys that would name personal data wherever they appear in a payload
PERSONAL_KEYS = {"name", "holder_name", "phone", "email", "id_number", "monthly_salary", "salary", "reason",
                 "decline_reason", "cancel_reason", "revoke_reason", "meeting_url", "note", "exit_note", "clock_id"}


def documented_keys() -> dict[str, list[str]]:
    """The `data` keys of each event type, read from the table in docs/events.md ("as above" = the row above)."""
    keys: dict[str, list[str]] = {}
    previous: list[str] = []
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([a-z_.]+)` \|[^|]*\| (.*) \|$", line)
        if not match:
            continue
        names = previous if match.group(2).strip() == "as above" else re.findall(r"`([a-z_]+)`", match.group(2))
        keys[match.group(1)] = previous = names
    return keys


@pytest.fixture(autouse=True)
def _no_event_broker(monkeypatch):
    """Deliveries enqueued on commit are collected, not sent to a broker (import this autouse fixture)."""
    enqueued: list[int] = []
    monkeypatch.setattr(tasks, "enqueue_delivery", enqueued.append)
    return enqueued


def subscribe(organisation, *types) -> Subscription:
    """An active subscription of ``organisation`` to ``types``."""
    return Subscription.objects.create(organisation=organisation, name="集成 receiver",
                                       url="https://hooks.example.org/hrsys", secret="whsec-test-0123456789abcdef",
                                       event_types=list(types))


def only_event(type_: str, organisation, *, personal=()) -> dict:
    """The one event of ``type_``: for ``organisation``, exactly the documented keys, no personal data. Returns
    its ``data``."""
    events = list(Event.objects.filter(type=type_))
    assert len(events) == 1, [e.type for e in Event.objects.all()]
    event = events[0]
    assert event.organisation_id == organisation.pk
    assert event.deliveries.count() == 1
    body = json.loads(event.body)
    assert body["type"] == type_ and body["organisation"] == {"id": organisation.pk, "code": organisation.code}
    data = body["data"]
    assert sorted(data) == sorted(documented_keys()[type_]), "payload and docs/events.md disagree"
    assert not PERSONAL_KEYS & set(data)
    for value in personal:
        if value:
            assert str(value) not in event.body, f"personal data {value!r} in the event"
    return data
