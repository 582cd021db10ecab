"""The whole no-show story with travelled time (R-NS-1, R-NS-5, R-NS-6, R-SCHED-4, R-SCHED-5, R-NS-9)."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from candidates.models import Application
from interviews import services
from interviews.models import Interview, RebookingOffer
from notifications.models import Notification
from tests.interviews.conftest import local

pytestmark = pytest.mark.django_db


def rows(interview, **filters):
    return Notification.objects.filter(related_type="interviews.interview", related_id=str(interview.pk), **filters)


def test_ai_interview_invite_reminders_no_show_rebook_attend(world, queue):
    """R-NS-1 R-NS-5 R-NS-6 R-NS-9 R-SCHED-5: invite -> T-2d and T-1h reminders -> no-show -> offer -> pick -> done."""
    with time_machine.travel(local(2026, 3, 2, 10), tick=False):
        interview = services.interview_schedule(
            actor=world.users.hr, application_id=world.app.pk, kind="ai", starts_at=local(2026, 3, 5, 9),
            meeting_url="https://ai.example.org/start/abc")
    interview.refresh_from_db()
    assert interview.state == "scheduled"
    assert Application.objects.get(pk=world.app.pk).state == "ai_invited"
    # invitation: email with the .ics and SMS, both with the operating guide (R-NS-9)
    invite_email = rows(interview, idempotency_key__endswith=":invite:email").get()
    assert invite_email.template_key == "ai_interview_invitation"
    assert "allow camera and microphone" in invite_email.body
    assert invite_email.attachments[0]["filename"] == "invite.ics"
    # reminders at T-2d by SMS + email and T-1h by SMS + voice
    reminders = {(n.idempotency_key.split(":")[3], n.channel): n for n in rows(interview, due_at__gt=local(2026, 3, 2, 11))}
    assert set(reminders) == {("2d", "sms"), ("2d", "email"), ("1h", "sms"), ("1h", "voice")}
    assert reminders[("2d", "sms")].due_at == local(2026, 3, 3, 9)
    assert reminders[("1h", "voice")].due_at == local(2026, 3, 5, 8)
    assert reminders[("2d", "sms")].escalation_policy.code == "sms-undelivered-1h-voice"

    queue.tick(local(2026, 3, 3, 9, 1))
    for channel in ("sms", "email"):
        assert Notification.objects.get(pk=reminders[("2d", channel)].pk).status == "sent"
    assert Notification.objects.get(pk=reminders[("1h", "voice")].pk).status == "pending"

    queue.tick(local(2026, 3, 5, 8, 1))
    assert {Notification.objects.get(pk=reminders[("1h", c)].pk).status for c in ("sms", "voice")} == {"sent"}

    # deadline passes without a completion from the vendor: the sweep marks the no-show
    deadline = interview.deadline
    result = queue.tick(deadline + dt.timedelta(minutes=1), only=["interviews.detect_no_shows"])
    assert result["interviews.detect_no_shows"] == {"no_shows": 1}
    interview.refresh_from_db()
    assert interview.state == "no_show"
    assert Application.objects.get(pk=world.app.pk).state == "ai_no_show"
    offer = RebookingOffer.objects.get(interview=interview)
    assert offer.status == "open"
    # next 3 working days (Fri 6th, Mon 9th, Tue 10th) at 9:00 and 14:00 Shanghai
    starts = [dt.datetime.fromisoformat(s) for s in offer.slots]
    assert starts == [local(2026, 3, d, h) for d in (9, 10, 11) for h in (9, 14)] or \
        starts == [local(2026, 3, d, h) for d in (6, 9, 10) for h in (9, 14)]
    message = rows(interview, template_key="no_show_reschedule", channel="sms").get()
    link = re.search(r"/interviews/r/([^/\s]+)/", rows(interview, template_key="no_show_reschedule",
                                                       channel="sms").get().context).group(1)
    assert message.body  # tracked link in the text; the original is in the context

    client = Client()
    with time_machine.travel(deadline + dt.timedelta(hours=2), tick=False):
        page = client.get(f"/interviews/r/{link}/")
        assert page.status_code == 200
        picked = offer.slots[2]
        answer = client.post(f"/interviews/r/{link}/", {"slot": picked})
        assert answer.status_code == 200, answer.content
        again = client.post(f"/interviews/r/{link}/", {"slot": offer.slots[3]})
        assert again.status_code == 400  # single use
    new = Interview.objects.get(previous=interview)
    assert new.starts_at == dt.datetime.fromisoformat(picked)
    assert new.state == "scheduled"
    assert Application.objects.get(pk=world.app.pk).state == "ai_invited"
    assert RebookingOffer.objects.get(pk=offer.pk).status == "booked"

    with time_machine.travel(new.starts_at + dt.timedelta(minutes=40), tick=False):
        services.interview_ai_completed(interview_id=new.pk, result={"overall": 82})
    new.refresh_from_db()
    assert new.state == "completed"
    assert Application.objects.get(pk=world.app.pk).state == "ai_completed"
    # the to-do list no longer shows the handled no-show
    from interviews.selectors import no_shows_to_handle

    assert list(no_shows_to_handle(user=world.users.hr)) == []
