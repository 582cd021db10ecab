"""What an interview's candidate and interviewers actually receive (issue 15.4, R-SCHED-4, R-NS-1, R-NS-2):
texts in the recipient's language whatever the language of the request that booked, a "moved" message after a
reschedule and a "cancelled" one after a cancellation (e-mail with the .ics, and SMS), no place line without a
place, and a calendar ORGANIZER that is a valid ``mailto:`` URI with a CN."""

import base64
import re

import pytest
import time_machine
from django.utils import translation

from interviews import services
from interviews.models import Room
from notifications.models import Notification
from tests.interviews.conftest import local, world  # noqa: F401 - the interviews' world fixture

pytestmark = pytest.mark.django_db
NOW = local(2026, 3, 2, 10)
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")


@pytest.fixture(autouse=True)
def _now(settings):
    settings.DEFAULT_FROM_EMAIL = "hrsys <no-reply@hrsys.local>"
    settings.INTERVIEWS_ORGANIZER_EMAIL = None
    with time_machine.travel(NOW, tick=False):
        yield


def _book(w, start, **kw):
    with translation.override("zh-hans"):  # HR works in Chinese; the candidate reads their own language
        return services.interview_schedule(actor=w.users.hr, application_id=w.app.pk, round_id=w.round.pk,
                                           starts_at=start, **kw)


def _to_candidate(interview, **filters):
    return Notification.objects.filter(related_id=str(interview.pk), recipient_type="candidates.candidate",
                                       due_at__lte=NOW, **filters)


def _names(w) -> list[str]:
    """Proper names HR typed or people carry: they stay as they are in an English text."""
    from candidates.selectors import responsible_hr

    names = [w.candidate.name, w.job.title, w.job.department.name, w.job.organization_name,
             *(str(u) for u in responsible_hr(w.app))]
    return sorted(names, key=len, reverse=True)


def _english_only(w, text: str) -> str:
    for name in _names(w):
        text = text.replace(name, "")
    return "".join(CJK.findall(text))


def _ics(notification) -> str:
    raw = base64.b64decode(notification.attachments[0]["content_b64"]).decode()
    return re.sub(r"\r\n[ \t]", "", raw)  # unfold (RFC 5545 3.1)


def test_r_ns_2_english_candidate_booked_from_a_chinese_session_reads_english(world):  # noqa: F811
    """R-NS-2: 'Dear Li Na, 市第一医院 invites you to the 一面 interview' (issue 15.4): the round is worded in the
    candidate's language, as a whole noun, and nothing but names is Chinese; no place line without a room."""
    interview = _book(world, local(2026, 3, 4, 9))
    email = _to_candidate(interview, channel="email").get()
    sms = _to_candidate(interview, channel="sms").get()
    for n in (email, sms):
        assert n.template_key == "interview_invitation"
        assert "you are invited to the clinical skills interview for" in n.body
        assert _english_only(world, n.subject + n.body) == "", n.body
        assert "Place:" not in n.body and "interview interview" not in n.body
    assert "SUMMARY:Clinical: " in _ics(email)  # the candidate's calendar entry is in English too


def test_r_ns_2_chinese_candidate_round_name_is_said_once(world):  # noqa: F811
    """'…临床技能面试面试' (issue 15.4): the round name already ends in 面试."""
    world.candidate.preferred_language = "zh-hans"
    world.candidate.save()
    room = Room.objects.create(name="面试室 A", department=world.org.emergency, location="门诊楼 3 层")
    interview = _book(world, local(2026, 3, 4, 9), room_id=room.pk)
    body = _to_candidate(interview, channel="sms").get().body
    assert "岗位的临床技能面试。" in body and "面试面试" not in body
    assert "地点：门诊楼 3 层" in body
    assert "急诊科急诊护士" in body  # the title lacks the department, so it is said before it


def test_r_sched_4_reschedule_sends_a_moved_message_not_a_new_invitation(world):  # noqa: F811
    """R-SCHED-4 (issue 15.4): after a reschedule the candidate reads that the interview moved, from when to
    when, by e-mail (with the updated .ics) and SMS; interviewers read "moved from ... to ..."."""
    first = _book(world, local(2026, 3, 5, 9))
    with translation.override("zh-hans"):
        second = services.interview_reschedule(actor=world.users.hr, interview_id=first.pk,
                                               starts_at=local(2026, 3, 6, 14), reason="面试官出差")
    moved = {n.channel: n for n in _to_candidate(second)}
    assert set(moved) == {"email", "sms"}
    for n in moved.values():
        assert n.template_key == "interview_rescheduled"
        assert "has moved from 2026-03-05 09:00 to a new time" in n.body and "New time: 2026-03-06 14:00" in n.body
        assert "invited" not in n.body
    assert "METHOD:REQUEST" in _ics(moved["email"]) and "SEQUENCE:1" in _ics(moved["email"])
    staff = Notification.objects.get(idempotency_key=f"interview:{second.pk}:v1:invite:staff:{world.i1.pk}")
    assert "2026-03-05 09:00" in staff.body and "2026-03-06 14:00" in staff.body

    world.candidate.preferred_language = "zh-hans"
    world.candidate.save()
    with translation.override("en"):
        third = services.interview_reschedule(actor=world.users.hr, interview_id=second.pk,
                                              starts_at=local(2026, 3, 9, 10), reason="会议室不可用")
    zh = _to_candidate(third, channel="sms").get()
    assert zh.template_key == "interview_rescheduled"
    assert "临床技能面试已改期（原定2026-03-06 14:00）" in zh.body and "新时间：2026-03-09 10:00" in zh.body
    assert "邀请您参加" not in zh.body


def test_r_sched_4_cancellation_has_its_own_text_by_email_and_sms(world):  # noqa: F811
    """R-SCHED-4: a cancelled interview is announced as cancelled, with METHOD:CANCEL on the e-mail, and by SMS
    for a candidate who may only read texts."""
    interview = _book(world, local(2026, 3, 5, 9))
    services.interview_cancel(actor=world.users.hr, interview_id=interview.pk, reason="岗位取消")
    cancelled = {n.channel: n for n in _to_candidate(interview, template_key="interview_cancelled")}
    assert set(cancelled) == {"email", "sms"}
    for n in cancelled.values():
        assert n.body.startswith(f"Dear {world.candidate.name}, your clinical skills interview for ")
        assert "on 2026-03-05 09:00 is cancelled" in n.body
    assert "METHOD:CANCEL" in _ics(cancelled["email"]) and not cancelled["sms"].attachments


def test_r_sched_4_moved_ai_interview_gets_the_new_deadline_text(world):  # noqa: F811
    """An AI interview moved to a later time: "new deadline", with the old one, not a second invitation."""
    with translation.override("zh-hans"):
        first = services.interview_schedule(actor=world.users.hr, application_id=world.app.pk, kind="ai",
                                            starts_at=local(2026, 3, 5, 9),
                                            meeting_url="https://ai.example.org/start/abc")
        second = services.interview_reschedule(actor=world.users.hr, interview_id=first.pk,
                                               starts_at=local(2026, 3, 7, 9))
    email = _to_candidate(second, channel="email").get()
    assert email.template_key == "ai_interview_rescheduled"
    assert "has a new deadline (it was 2026-03-06 09:30)" in email.body and "https://" in email.body
    assert _english_only(world, email.body) == ""


def test_r_sched_4_ics_organizer_is_a_mailto_uri_with_a_cn(world, settings):  # noqa: F811
    """RFC 5545: ORGANIZER;CN=<name>:mailto:<address> -- never "mailto:hrsys <no-reply@hrsys.local>"."""
    interview = _book(world, local(2026, 3, 4, 9))
    organizer = re.search(r"^ORGANIZER[;:].*$", _ics(_to_candidate(interview, channel="email").get()), re.M)
    assert organizer.group().rstrip("\r") == "ORGANIZER;CN=急诊科:mailto:no-reply@hrsys.local"
    settings.INTERVIEWS_ORGANIZER_EMAIL = "招聘办 <zhaopin@hospital.example>"
    with translation.override("zh-hans"):
        moved = services.interview_reschedule(actor=world.users.hr, interview_id=interview.pk,
                                              starts_at=local(2026, 3, 5, 9))
    text = _ics(_to_candidate(moved, channel="email").get())
    line = re.search(r"^ORGANIZER[;:].*$", text, re.M).group().rstrip("\r")
    assert line == "ORGANIZER;CN=急诊科:mailto:zhaopin@hospital.example"
    attendees = re.findall(r"^ATTENDEE;.*$", text, re.M)
    assert attendees and all(re.search(r":mailto:[^\s<>]+@[^\s<>]+\r?$", a) for a in attendees)
