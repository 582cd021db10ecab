"""Every shipped message text, rendered with edge data, reads right in zh-hans and in English (issue 15.4,
R-NS-2).

Edge data: no location, no meeting link, no contact; a job title that contains its department
("急诊科住院医师" in 急诊科); a round name that ends in 面试 ("临床技能面试"); an English recipient. What is
checked on each text: no word said twice ("临床技能面试面试", "急诊科急诊科住院医师"), no label left without its
value ("地点：。"), no template syntax or "None" left over, no stray spaces, and an English text holds no Chinese
apart from the proper names HR typed (hospital, department, job, place, people).
"""

import re

import pytest

from notifications.catalog import TEMPLATE_KEYS, allowed_variables, sample_context
from notifications.default_templates import DEFAULT_TEMPLATES, install_defaults
from notifications.default_templates_retired import RETIRED_TEXTS
from notifications.models import EscalationPolicy, MessageTemplate
from notifications.rendering import render_message

pytestmark = pytest.mark.django_db

#: Names HR typed: they stay as typed in every language.
PROPER_NAMES = {
    "recipient_name": "李娜", "job_title": "急诊科住院医师", "department_name": "急诊科",
    "organization_name": "市第一人民医院", "task_title": "入职体检报告", "title": "通知发送失败",
    "message": "一条短信未能送达。", "subject": "通知",
}
EDGE = {
    **PROPER_NAMES,
    "interview_time": "2026-11-23 09:30", "previous_time": "2026-11-20 14:00", "location": "", "meeting_url": "",
    "confirm_url": "https://hr.example.org/c/abc", "reschedule_url": "https://hr.example.org/r/abc",
    "contact_name": "", "contact_phone": "", "round_name": "临床技能面试",
    "interview_url": "https://ai.example.org/start/abc", "deadline": "2026-11-25 18:00",
    "previous_deadline": "2026-11-24 18:00", "duration_minutes": 20, "offer_url": "https://hr.example.org/o/abc",
    "respond_by": "2026-11-30", "start_date": "2026-12-15", "code": "493027", "minutes": 10,
    "portal_url": "https://hr.example.org/portal/", "clock_id": "", "due_date": "2026-12-12", "overdue": False,
    "url": "",
}
#: The round as the interviews app words it for an English recipient (interviews/services/messages.py: _round_name).
EN_ROUND = "clinical skills interview"
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
URL = re.compile(r"https?://\S+")
#: A label whose value is missing: "地点：。", "Place: ." or a label at the end of a line.
EMPTY_LABEL = re.compile(r"[：:][ \t]*(?:[。；，,.;)）]|$)", re.M)
ROUND_KEYS = {"interview_invitation", "interview_rescheduled", "interview_reminder", "no_show_reschedule",
              "interview_cancelled"}
SHIPPED = [(key, language, channel) for key, language, channel, _s, _b in DEFAULT_TEMPLATES]


def _context(key, language, **overrides):
    ctx = {**EDGE, **overrides}
    if language == "en":
        ctx["round_name"] = overrides.get("round_name", EN_ROUND)
    return {k: v for k, v in ctx.items() if k in allowed_variables(key)}


def _render(key, language, channel, **overrides):
    subject, body, _html = render_message(key=key, language=language, channel=channel or "email",
                                          context=_context(key, language, **overrides))
    return subject, body


def _problems(text: str, language: str) -> list[str]:
    found = []
    for bad in ("{{", "{%", "None", "面试面试", "急诊科急诊科", "interview interview", "Interview interview"):
        if bad in text:
            found.append(f"contains {bad!r}")
    no_urls = URL.sub("§", text)
    if EMPTY_LABEL.search(no_urls):
        found.append(f"empty label near {EMPTY_LABEL.search(no_urls).group()!r}")
    for pattern, what in ((r"  ", "double space"), (r" [.,;:!?。，；：]", "space before punctuation"),
                          (r"\(\s*\)|（\s*）", "empty brackets"), (r"^\s|\s$", "blank at the start or end")):
        if re.search(pattern, no_urls, re.M):
            found.append(what)
    if language == "en":
        rest = no_urls
        for name in sorted({*PROPER_NAMES.values(), "门诊楼 3 楼 302", "王老师"}, key=len, reverse=True):
            rest = rest.replace(name, "")
        if CJK.search(rest):
            found.append(f"Chinese outside proper names: {CJK.findall(rest)}")
    else:
        words = set(re.findall(r"[A-Za-z]{2,}", no_urls)) - {"AI", "Chrome"}
        if words:
            found.append(f"English words in the Chinese text: {sorted(words)}")
    return found


def test_every_message_key_ships_in_both_languages_and_is_tested_here():
    """Every key of the catalog has a default in zh-hans and in English, so the edge test below covers it."""
    shipped = {(key, language) for key, language, _channel in SHIPPED}
    assert {(key, language) for key in TEMPLATE_KEYS for language in ("zh-hans", "en")} <= shipped


@pytest.mark.parametrize(("key", "language", "channel"), SHIPPED, ids=["-".join(filter(None, s)) for s in SHIPPED])
def test_r_ns_2_each_template_reads_right_with_edge_data(key, language, channel):
    """R-NS-2 (issue 15.4): no location / meeting / contact, a title containing its department, a round name
    ending in 面试, an English recipient: nothing repeated, nothing empty, English in English."""
    subject, body = _render(key, language, channel)
    assert body
    assert _problems(subject, language) == [], (key, language, channel, subject)
    assert _problems(body, language) == [], (key, language, channel, body)
    if key in ROUND_KEYS:  # the round is named, whole, once
        assert body.count(EN_ROUND if language == "en" else "临床技能面试") == 1, body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("key", ["interview_invitation", "interview_rescheduled", "interview_reminder"])
def test_place_meeting_and_contact_are_said_only_when_there_is_one(key, language):
    """'地点：。' (issue 15.4): without a place the text has no place line; with one it says it once."""
    label, online, contact = ("地点：", "线上会议：", "联系人：") if language == "zh-hans" else \
        ("Place: ", "Online meeting: ", "Contact: ")
    _s, bare = _render(key, language, "")
    assert label not in bare and online not in bare and contact not in bare
    _s, full = _render(key, language, "", location="门诊楼 3 楼 302", meeting_url="https://meet.example.org/x",
                       contact_name="王老师", contact_phone="+86 10 8888 0000")
    assert f"{label}门诊楼 3 楼 302" in full and f"{online}https://meet.example.org/x" in full
    if key != "interview_reminder":
        assert (f"{contact}王老师 +86 10 8888 0000" if language == "zh-hans"
                else f"{contact}王老师, +86 10 8888 0000") in full
    assert _problems(full, language) == []


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "急诊科护士岗位"), ("en", "护士 (急诊科)")])
def test_position_names_the_department_once(language, expected):
    """'市第一人民医院急诊科急诊科住院医师' (issue 15.4): the department is said only when the title lacks it."""
    _s, own = _render("offer_sent", language, "", job_title="护士")
    assert expected in own
    subject, within = _render("offer_sent", language, "")
    assert "急诊科住院医师" in within and "急诊科急诊科" not in within + subject
    if language == "zh-hans":
        assert "市第一人民医院急诊科住院医师岗位" in within


def test_rescheduled_and_cancelled_have_their_own_texts():
    """After a reschedule the candidate reads "moved", not a fresh "邀请您参加" (issue 15.4)."""
    _s, moved = _render("interview_rescheduled", "zh-hans", "")
    assert "已改期（原定2026-11-20 14:00）" in moved and "新时间：2026-11-23 09:30" in moved
    assert "邀请您参加" not in moved
    subject, moved_en = _render("interview_rescheduled", "en", "")
    assert subject == "Interview moved: 急诊科住院医师"
    assert "has moved from 2026-11-20 14:00 to a new time" in moved_en and "invited" not in moved_en
    _s, cancelled = _render("interview_cancelled", "zh-hans", "")
    assert "已取消" in cancelled and "邀请" not in cancelled
    _s, ai_moved = _render("ai_interview_rescheduled", "en", "")
    assert "new deadline (it was 2026-11-24 18:00)" in ai_moved and "before 2026-11-25 18:00" in ai_moved


def test_ai_deadline_reads_as_a_time():
    """'请在3 天内前完成' (issue 15.4): the deadline is a time, written straight before 前."""
    _s, zh = _render("ai_interview_invitation", "zh-hans", "")
    assert "请在2026-11-25 18:00前完成急诊科住院医师岗位的 AI 视频面试" in zh


def test_admin_preview_sample_speaks_the_template_language():
    """The sample an English template is previewed with has an English round name and recipient."""
    en = sample_context("en")
    assert en["round_name"] == EN_ROUND and not CJK.search(en["recipient_name"])
    assert sample_context("zh-hans")["round_name"] == "临床技能面试"


def test_refresh_replaces_untouched_old_defaults_and_keeps_hr_edits():
    """The data migration (0006): a row still holding the text an earlier release shipped gets the new one; a
    row HR edited keeps HR's text; missing keys are installed."""
    old_subject, old_body = RETIRED_TEXTS[("interview_invitation", "zh-hans", "")][0]
    MessageTemplate.objects.filter(key="interview_invitation", language="zh-hans", channel="").update(
        subject=old_subject, body=old_body)
    hr_body = "{{ recipient_name }}您好，请{{ interview_time }}来面试。"
    MessageTemplate.objects.filter(key="interview_invitation", language="en", channel="").update(body=hr_body)
    MessageTemplate.objects.filter(key="interview_rescheduled").delete()

    install_defaults(MessageTemplate, EscalationPolicy)  # without refresh: only the missing ones
    assert MessageTemplate.objects.get(key="interview_invitation", language="zh-hans", channel="").body == old_body
    assert MessageTemplate.objects.filter(key="interview_rescheduled").count() == 2

    from importlib import import_module

    from django.apps import apps

    import_module("notifications.migrations.0006_message_texts_composed").forwards(apps, None)
    refreshed = MessageTemplate.objects.get(key="interview_invitation", language="zh-hans", channel="")
    current = next(t for t in DEFAULT_TEMPLATES if t[:3] == ("interview_invitation", "zh-hans", ""))
    assert (refreshed.subject, refreshed.body) == current[3:]
    assert MessageTemplate.objects.get(key="interview_invitation", language="en", channel="").body == hr_body


def test_demo_sample_messages_read_right(org):
    """The demo's sample messages (issue 15.4: "Dear Li Na, 市第一医院 invites you to the 一面 interview for ER
    nurse", "请在3 天内前完成"): the real organisation, the round in the reader's language, a real deadline."""
    from notifications import demo
    from notifications.models import Notification

    demo.seed()
    demo.seed()  # idempotent
    li_na = Notification.objects.get(recipient_id="demo-2")
    assert "you are invited to the clinical skills interview for" in li_na.body
    assert li_na.body.count(org.hospital.name) == 1 and "一面" not in li_na.body
    rest = li_na.body
    for name in ("护士", org.emergency.name, org.it.name, org.ward.name, org.hospital.name, "门诊楼 302"):
        rest = rest.replace(name, "")
    assert not CJK.search(rest), li_na.body
    ai = Notification.objects.get(recipient_id="demo-3")
    assert re.search(r"请在\d{4}-\d\d-\d\d \d\d:\d\d前完成", ai.body) and "天内" not in ai.body
    assert Notification.objects.filter(idempotency_key__startswith="demo:").count() == 3
