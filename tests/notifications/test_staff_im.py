"""Staff messages in WeCom (企业微信) and DingTalk (issue 20 item 2; R-CN-2, R-INT-3): wechatpy and our DingTalk
client against local fake WeCom / DingTalk servers -- binding by mobile number, cards with the link, token refresh,
retries without duplicates, permanent errors, the fall-back to e-mail and the user's own choice."""

import datetime as dt
import logging

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hrsys.audit.models import AuditEvent
from notifications import staff_im
from notifications.channels import get_backend, wecom
from notifications.channels.im_common import cache_key, mobile_for_lookup
from notifications.models import Notification, StaffMessaging, Status, TrackedLink
from notifications.services import notification_create
from notifications.types import Recipient
from tests.factories import UserFactory
from tests.notifications.conftest import PUBLIC, reload
from tests.notifications.fake_staff_im import FakeDingTalk, FakeWeCom

pytestmark = pytest.mark.django_db

MOBILE = "+8613912345678"
LOOKUP = "13912345678"  # how both providers store a mainland mobile


@pytest.fixture
def fake_wecom(settings):
    server = FakeWeCom(key="ww0123456789", secret="wecom-app-secret").start()
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = server.key, server.secret, "1000002"
    settings.WECOM_API_BASE = server.base
    cache.delete(cache_key("wecom", server.key, server.secret))
    yield server
    cache.delete(cache_key("wecom", server.key, server.secret))
    server.stop()


@pytest.fixture
def fake_dingtalk(settings):
    server = FakeDingTalk(key="ding-app-key", secret="ding-app-secret").start()
    settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET, settings.DINGTALK_AGENT_ID = (
        server.key, server.secret, "2000003")
    settings.DINGTALK_API_BASE = server.base
    cache.delete(cache_key("dingtalk", server.key, server.secret))
    yield server
    cache.delete(cache_key("dingtalk", server.key, server.secret))
    server.stop()


def staff(username="li_ming", *, role="interviewer", phone=MOBILE, **kwargs):
    return UserFactory(username=username, role=role, phone=phone, preferred_language="zh-hans", **kwargs)


def choose(user, provider, fake, userid="liming"):
    """The user is in the provider's directory under their mobile number, binds, and chooses it."""
    fake.users[mobile_for_lookup(user.phone)] = userid
    assert staff_im.staff_im_bind(user=user, provider=provider, actor=user) == "bound"
    staff_im.staff_messaging_set(user=user, channel=provider, actor=user)


def alert(outbox, user, *, key="alert:1", url="https://hr.example.org/offers/approvals/7/", run=True):
    """An "approval waiting" alert as the stages send it: in the app and by e-mail."""
    rows = []
    with outbox.committing():
        for channel in ("in_app", "email"):
            rows.append(notification_create(
                recipient=Recipient.for_user(user), channel=channel, template_key="generic_alert",
                context={"title": "待审批：录用 王芳", "message": "请审批急诊护士王芳的录用。", "url": url},
                idempotency_key=f"{key}:{channel}"))
    if run:
        outbox.run()
    return rows[1]


# -- binding --------------------------------------------------------------------------------------------------


def test_r_cn_2_binding_by_mobile_number_through_each_provider(fake_wecom, fake_dingtalk):
    """R-CN-2: the user id is found by the mobile number (without +86) and stored encrypted; a number the provider
    does not know is "not found" and removes an old binding; no number, nothing asked."""
    user = staff()
    fake_wecom.users[LOOKUP] = "LiMing"
    fake_dingtalk.users[LOOKUP] = "0156234"
    assert staff_im.staff_im_bind(user=user, provider="wecom", actor=user) == "bound"
    assert staff_im.staff_im_bind(user=user, provider="dingtalk", actor=user) == "bound"
    assert fake_wecom.lookups == [LOOKUP] and fake_dingtalk.lookups == [LOOKUP]
    row = StaffMessaging.objects.get(user=user)
    assert (row.wecom_userid, row.dingtalk_userid) == ("LiMing", "0156234")
    assert row.channel == "email" and row.wecom_bound_at is not None  # binding does not choose
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT wecom_userid FROM notifications_staffmessaging WHERE id = %s", [row.pk])
        assert "LiMing" not in cursor.fetchone()[0]  # encrypted at rest
    del fake_wecom.users[LOOKUP]
    assert staff_im.staff_im_bind(user=user, provider="wecom", actor=user) == "not_found"
    assert StaffMessaging.objects.get(user=user).wecom_userid == ""
    assert AuditEvent.objects.filter(action="staff_messaging.bind").count() == 3
    nophone = staff("no_phone", phone="")
    assert staff_im.staff_im_bind(user=nophone, provider="wecom", actor=nophone) == "no_phone"
    assert len(fake_wecom.lookups) == 2


def test_r_cn_2_bind_command_reports_each_user_without_phone_numbers(fake_wecom, capsys):
    """R-CN-2: ``manage.py staff_im_bind`` binds every active staff user and says bound / not found per user, by
    username only."""
    staff("li_ming")
    staff("wang_fang", phone="+8613700000001")
    staff("zhao_lei", phone="")
    fake_wecom.users[LOOKUP] = "LiMing"
    call_command("staff_im_bind")
    out = capsys.readouterr().out
    assert "li_ming wecom: bound" in out and "wang_fang wecom: not found" in out
    assert "zhao_lei wecom: no phone" in out
    assert "139" not in out and "137" not in out and "LiMing" not in out


def test_r_cn_2_a_provider_failing_during_binding_changes_nothing(fake_wecom):
    user = staff()
    fake_wecom.users[LOOKUP] = "LiMing"
    fake_wecom.fail_next(-1)  # system busy
    with pytest.raises(ValidationError) as exc:
        staff_im.staff_im_bind(user=user, provider="wecom", actor=user)
    assert "企业微信没有响应" in str(exc.value)  # zh-hans: "WeCom did not answer"
    assert not StaffMessaging.objects.exists()


# -- sending --------------------------------------------------------------------------------------------------


def test_r_cn_2_feedback_reminder_to_an_interviewer_goes_as_one_wecom_card_with_the_link(fake_wecom, outbox, world):
    """R-CN-2, R-INT-3: an interviewer who chose WeCom gets the "feedback due" reminder as one WeCom text card whose
    button is the tracked link to the scorecard; the in-app copy stays; the calendar invitation (an .ics
    attachment) stays e-mail. Running the outbox again sends nothing more."""
    from interviews import services
    from tests.interviews.conftest import local

    user = world.i1
    user.phone = MOBILE
    user.save()
    choose(user, "wecom", fake_wecom)
    start = local(2026, 11, 20, 9)
    with time_machine.travel(local(2026, 11, 18, 10), tick=False), outbox.committing():
        interview = services.interview_schedule(actor=world.users.hr, application_id=world.app.pk,
                                                round_id=world.round.pk, starts_at=start)
    with outbox.committing():
        services.feedback_remind(interview_id=interview.pk, interviewer_id=user.pk,
                                 now=start + dt.timedelta(hours=3))
    outbox.run()
    reminders = Notification.objects.filter(idempotency_key__contains="feedback-reminder", recipient_id=str(user.pk))
    assert sorted(reminders.values_list("channel", flat=True)) == ["in_app", "wecom"]
    card = reminders.get(channel="wecom")
    assert card.status == Status.SENT and card.provider_message_id == "wecom:msg1"
    assert len(fake_wecom.messages) == 1
    sent = fake_wecom.messages[0]
    assert sent["touser"] == "liming" and sent["agentid"] == 1000002 and sent["msgtype"] == "textcard"
    link = sent["textcard"]["url"]
    assert link.startswith(f"{PUBLIC}/l/")
    assert TrackedLink.objects.get(notification=card).target_url == (
        f"{PUBLIC}/interviews/{interview.pk}/scorecard/")
    assert "王芳" in sent["textcard"]["title"] and link not in sent["textcard"]["description"]
    assert sent["textcard"]["btntxt"] == "查看"
    invitation = Notification.objects.get(idempotency_key__contains=f":staff:{user.pk}", recipient_id=str(user.pk))
    assert invitation.channel == "email" and invitation.attachments  # the calendar file needs e-mail
    outbox.tick(timezone.now() + dt.timedelta(hours=1))
    assert len(fake_wecom.received) == 1
    # the dashboard's delivery figures count it under its own channel (issue 20 item 4)
    from dashboard.models import NotificationDaily
    from dashboard.services import summaries_refresh

    summaries_refresh(full=True)
    assert NotificationDaily.objects.get(channel="wecom").sent == 1


def test_r_cn_2_approval_waiting_goes_to_a_dingtalk_user_as_an_action_card(fake_dingtalk, outbox):
    """R-CN-2: an "approval waiting" alert to a manager who chose DingTalk is one work notice (action card) whose
    button opens the approval; the in-app copy stays."""
    user = staff("er_head", role="manager")
    choose(user, "dingtalk", fake_dingtalk, userid="0156234")
    n = reload(alert(outbox, user))
    assert n.channel == "dingtalk" and n.status == Status.SENT and n.provider_message_id == "dingtalk:1000"
    assert len(fake_dingtalk.messages) == 1
    sent = fake_dingtalk.messages[0]
    assert sent["agent_id"] == 2000003 and sent["userid_list"] == "0156234"
    card = sent["msg"]["action_card"]
    assert sent["msg"]["msgtype"] == "action_card" and card["single_url"].startswith(f"{PUBLIC}/l/")
    assert TrackedLink.objects.get(notification=n).target_url == "https://hr.example.org/offers/approvals/7/"
    assert "待审批" in card["title"] and "请审批急诊护士王芳的录用" in card["markdown"]
    assert Notification.objects.filter(channel="in_app", recipient_id=str(user.pk)).count() == 1


def test_r_cn_2_a_message_without_a_link_goes_as_text(fake_wecom, outbox):
    user = staff()
    choose(user, "wecom", fake_wecom)
    n = reload(alert(outbox, user, url=""))
    assert n.status == Status.SENT
    sent = fake_wecom.messages[0]
    assert sent["msgtype"] == "text" and "请审批急诊护士王芳的录用" in sent["text"]["content"]


@pytest.mark.parametrize(("provider", "errcode"), [("wecom", 45009), ("wecom", -1), ("dingtalk", 90018),
                                                    ("dingtalk", -1)])
def test_r_int_3_rate_limit_or_busy_is_retried_later_and_sent_once(provider, errcode, outbox, settings, request):
    """R-INT-3: a rate limit / "system busy" answer is a transient error: the message waits the back-off and
    then goes, once."""
    fake = request.getfixturevalue(f"fake_{provider}")
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    user = staff()
    choose(user, provider, fake)
    fake.fail_next(errcode)
    n = reload(alert(outbox, user))
    assert n.status == Status.PENDING and n.last_error_code == f"{provider}_{errcode}" and not fake.messages
    outbox.tick(n.next_attempt_at)
    n = reload(n)
    assert n.status == Status.SENT and len(fake.messages) == 1
    assert [a.outcome for a in n.attempts.all()] == ["transient_error", "sent"]


@pytest.mark.parametrize("provider", ["wecom", "dingtalk"])
def test_r_int_3_server_error_is_transient(provider, outbox, request):
    fake = request.getfixturevalue(f"fake_{provider}")
    user = staff()
    choose(user, provider, fake)
    fake.fail_http(503)
    n = reload(alert(outbox, user))
    assert n.status == Status.PENDING and n.last_error_code == "http_503"
    outbox.tick(n.next_attempt_at)
    assert reload(n).status == Status.SENT and len(fake.messages) == 1


@pytest.mark.parametrize("provider", ["wecom", "dingtalk"])
def test_r_int_3_an_expired_token_is_fetched_again_and_the_message_sent_once(provider, outbox, request):
    """R-INT-3: the token is cached (one fetch for several calls); answered 42001 it is fetched again and the call
    made once more, in the same attempt."""
    fake = request.getfixturevalue(f"fake_{provider}")
    user = staff()
    choose(user, provider, fake)
    alert(outbox, user, key="alert:1")
    assert fake.tokens_issued == 1  # the look-up's token served the send too
    fake.expire_tokens()
    n = reload(alert(outbox, user, key="alert:2", url="https://hr.example.org/offers/approvals/8/"))
    assert n.status == Status.SENT and n.attempt_count == 1
    assert fake.tokens_issued == 2 and len(fake.messages) == 2


@pytest.mark.parametrize(("provider", "code"), [("wecom", "wecom_81013"), ("dingtalk", "dingtalk_33012")])
def test_r_int_3_an_invalid_user_fails_at_once_and_hr_is_alerted(provider, code, outbox, request, settings):
    """R-INT-3: a user the provider does not know (left, or outside the app's visible range) is a permanent error:
    no retry, the message fails and HR gets the usual in-app alert -- plus, for an HR director who chose WeCom /
    DingTalk, the same alert there (R-CN-2)."""
    fake = request.getfixturevalue(f"fake_{provider}")
    director = staff("director", role="hr_director", phone="+8613800000009")
    choose(director, provider, fake, userid="director01")
    user = staff()
    choose(user, provider, fake)
    fake.users.pop(LOOKUP)  # the user left
    n = reload(alert(outbox, user))
    assert n.status == Status.FAILED and n.attempt_count == 1 and n.last_error_code == code
    outbox.run()
    alerts = Notification.objects.filter(related_type="notifications.notification", related_id=str(n.pk))
    assert sorted(alerts.values_list("channel", flat=True)) == sorted(["in_app", provider])
    assert alerts.get(channel=provider).status == Status.SENT
    assert [m.get("touser") or m.get("userid_list") for m in fake.messages] == ["director01"]


def test_r_ns_3_worker_lost_after_wecom_took_the_message_shows_it_once(fake_wecom, outbox, monkeypatch, settings):
    """R-NS-3, R-INT-3: the worker dies after WeCom took the card and before the outcome is recorded; after the
    lease the message goes again, and WeCom's duplicate check drops the identical resend: the user sees one."""
    settings.NOTIFICATIONS_LEASE_SECONDS = 300
    user = staff()
    choose(user, "wecom", fake_wecom)

    class WorkerLost(BaseException):
        pass

    original = wecom.WeComBackend.send

    def send_then_die(self, notification):
        original(self, notification)
        raise WorkerLost

    monkeypatch.setattr(wecom.WeComBackend, "send", send_then_die)
    n = alert(outbox, user, run=False)
    with pytest.raises(WorkerLost):
        outbox.run()
    monkeypatch.setattr(wecom.WeComBackend, "send", original)
    assert reload(n).status == Status.SENDING and len(fake_wecom.messages) == 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=True):
        outbox.tick()
    n = reload(n)
    assert n.status == Status.SENT
    assert len(fake_wecom.received) == 2 and len(fake_wecom.messages) == 1
    assert fake_wecom.received[0]["enable_duplicate_check"] == 1


# -- choice and fall-back -------------------------------------------------------------------------------------


def test_r_cn_2_an_unbound_user_gets_e_mail_and_the_log_names_no_one(fake_wecom, outbox, caplog, mailoutbox):
    """R-CN-2: a user who chose WeCom but is not (or no longer) bound gets e-mail; the log says so by user id,
    without phone or name."""
    user = staff()
    choose(user, "wecom", fake_wecom)
    StaffMessaging.objects.filter(user=user).update(wecom_userid="")
    with caplog.at_level(logging.INFO, logger="notifications.staff_im"):
        n = reload(alert(outbox, user))
    assert n.channel == "email" and n.status == Status.SENT and not fake_wecom.received
    assert len(mailoutbox) == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "notifications.staff_im"]
    assert any(f"#{user.pk}" in line and "not bound" in line for line in lines)
    assert not any("139" in line or user.full_name in line for line in lines)


def test_r_cn_2_console_defaults_unchanged_without_settings(outbox, mailoutbox):
    """R-CN-2: with no WECOM_* / DINGTALK_* settings nobody can choose them and staff messages stay e-mail, even for
    a user whose stored choice names a provider."""
    assert staff_im.configured_providers() == []
    user = staff()
    with pytest.raises(ValidationError):
        staff_im.staff_messaging_set(user=user, channel="wecom", actor=user)
    StaffMessaging.objects.create(user=user, channel="wecom", wecom_userid="liming")
    assert reload(alert(outbox, user)).channel == "email" and len(mailoutbox) == 1
    assert get_backend("wecom").name == "wecom"  # the backend exists, and refuses without settings
    n = Notification(recipient_type="accounts.user", recipient_id=str(user.pk), channel="wecom")
    with pytest.raises(Exception, match="not configured"):
        get_backend("wecom").send(n)


def test_r_cn_2_the_user_chooses_and_binds_on_their_messages_page(fake_wecom, fake_dingtalk, client):
    """R-CN-2: the Messages page (linked from Security) offers e-mail and the configured providers; choosing WeCom
    saves the choice (audited) and binds the account by the mobile number on file, shown masked."""
    user = staff()
    fake_wecom.users[LOOKUP] = "LiMing"
    client.force_login(user)
    security = client.get(reverse("account-security"))
    assert reverse("notifications:staff-messaging") in security.content.decode()
    page = client.get(reverse("notifications:staff-messaging"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="email"' in html and 'value="wecom"' in html and 'value="dingtalk"' in html
    assert "+86 139****5678" in html and MOBILE not in html
    response = client.post(reverse("notifications:staff-messaging"), {"channel": "wecom"}, follow=True)
    assert response.status_code == 200
    row = StaffMessaging.objects.get(user=user)
    assert row.channel == "wecom" and row.wecom_userid == "LiMing"
    assert AuditEvent.objects.filter(action="staff_messaging.set").count() == 1
    # DingTalk does not know the number: the bind button says so and binds nothing
    response = client.post(reverse("notifications:staff-messaging"), {"bind": "dingtalk"}, follow=True)
    assert "钉钉中没有使用您手机号的成员" in response.content.decode()  # "no member with your mobile number"
    assert StaffMessaging.objects.get(user=user).dingtalk_userid == ""
    assert client.post(reverse("notifications:staff-messaging"), {"channel": "pigeon"}).status_code == 400


@pytest.fixture
def world(org, users):
    """An ER nurse job with a clinical round by one interviewer, and an applicant (as tests/interviews' world)."""
    from candidates.models import InterviewRound
    from tests.candidates.factories import ApplicationFactory, CandidateFactory, JobFactory

    job = JobFactory(department=org.emergency, title="急诊护士", priority="normal",
                     assessment_dimensions=[{"key": "clinical", "label": "临床"}])
    rnd = InterviewRound.objects.create(job=job, order=1, kind="clinical", duration_minutes=45)
    rnd.interviewers.set([users.interviewer])
    candidate = CandidateFactory(name="王芳", preferred_language="en")
    app = ApplicationFactory(candidate=candidate, job=job, state="screening", created_by=users.hr)
    return type("World", (), {"round": rnd, "app": app, "i1": users.interviewer, "users": users})
