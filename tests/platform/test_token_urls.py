"""Secret tokens in URLs: tracked links expire, calendar feed addresses can be renewed, logs mask tokens
(R-SEC-1, R-SEC-3)."""

import datetime as dt
import io
import json
import logging
import os
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hrsys.audit.models import AuditEvent
from hrsys.core.url_masking import GunicornLogger, TokenUrlFilter, mask_token_urls
from interviews.models import InterviewerProfile
from notifications.models import CandidateAction, TrackedLink

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zq8rT0kEnSeCrEt-xYz_1234567890abc"  # token_urlsafe-shaped
START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


# -- tracked links expire (R-SEC-3) ---------------------------------------------------------------------

@pytest.fixture
def tracked_link(db, time_machine):
    from notifications.default_templates import install_defaults
    from notifications.models import EscalationPolicy, MessageTemplate
    from notifications.services import notification_create
    from notifications.types import Recipient

    install_defaults(MessageTemplate, EscalationPolicy)
    time_machine.move_to(START, tick=False)
    notification = notification_create(
        recipient=Recipient(type="candidates.candidate", id=1, name="张伟", phone="+8613800138000",
                            email="c1@example.org", language="zh-hans", time_zone="Asia/Shanghai"),
        channel="sms", template_key="interview_reminder", idempotency_key="test:token-urls:1",
        context={"job_title": "急诊科护士", "interview_time": "11-23 09:30", "location": "302",
                 "confirm_url": "https://portal.example.org/c/1", "reschedule_url": "https://portal.example.org/r/1"})
    return TrackedLink.objects.get(notification=notification, target_url="https://portal.example.org/c/1")


def test_r_sec_3_tracked_link_redirects_on_day_29_and_shows_the_expired_page_on_day_31(
        tracked_link, client, time_machine, settings):
    assert settings.TRACKED_LINK_TTL_DAYS == 30
    time_machine.move_to(START + dt.timedelta(days=29), tick=False)
    response = client.get(f"/l/{tracked_link.token}")
    assert response.status_code == 302 and response["Location"] == "https://portal.example.org/c/1"
    assert CandidateAction.objects.filter(link=tracked_link).count() == 1

    time_machine.move_to(START + dt.timedelta(days=31), tick=False)
    response = client.get(f"/l/{tracked_link.token}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "Location" not in response and "portal.example.org" not in response.content.decode()
    assert [t.name for t in response.templates][:2] == ["notifications/link_expired.html", "portal/base_portal.html"]
    page = response.content.decode()
    assert "This link has expired" in page and "30 days" in page and reverse("portal:login") in page
    assert CandidateAction.objects.filter(link=tracked_link).count() == 1  # the expired open is not an open


def test_r_sec_3_expired_link_page_is_translated_and_the_ttl_comes_from_settings(
        tracked_link, client, time_machine, settings):
    settings.TRACKED_LINK_TTL_DAYS = 7
    time_machine.move_to(START + dt.timedelta(days=7) - dt.timedelta(seconds=1), tick=False)
    assert client.get(f"/l/{tracked_link.token}").status_code == 302
    time_machine.move_to(START + dt.timedelta(days=7), tick=False)
    response = client.get(f"/l/{tracked_link.token}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 410
    page = response.content.decode()
    assert "此链接已过期" in page and "7 天内有效" in page and "前往候选人门户" in page


# -- calendar feed addresses can be renewed (R-SEC-3, R-SEC-1) -----------------------------------------

def _feed(client, token):
    return client.get(f"/interviews/feed/{token}.ics")


def _audit_rows_text():
    return json.dumps(list(AuditEvent.objects.values()), default=str)


def test_r_sec_3_owner_renews_the_feed_on_the_staff_page_old_url_404_new_url_200(users, client):
    old = InterviewerProfile.objects.create(user=users.interviewer).feed_token
    client.force_login(users.interviewer)
    page = client.get("/interviews/calendar-feed/")
    assert page.status_code == 200 and f"/interviews/feed/{old}.ics" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert _feed(client, old).status_code == 200

    # Without the confirmation nothing changes.
    refused = client.post("/interviews/calendar-feed/", {})
    assert refused.status_code == 400
    assert InterviewerProfile.objects.get(user=users.interviewer).feed_token == old

    done = client.post("/interviews/calendar-feed/", {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == "/interviews/calendar-feed/"
    new = InterviewerProfile.objects.get(user=users.interviewer).feed_token
    assert new != old and len(new) >= 32
    assert _feed(client, old).status_code == 404
    assert _feed(client, new).status_code == 200
    assert f"/interviews/feed/{new}.ics" in client.get("/interviews/calendar-feed/").content.decode()

    event = AuditEvent.objects.get(action="interviewer_profile.feed_token_rotate")
    assert event.actor == users.interviewer and event.object_id == str(InterviewerProfile.objects.get(
        user=users.interviewer).pk)
    assert event.changes == {"feed_token": ["***", "***"]}
    assert old not in _audit_rows_text() and new not in _audit_rows_text()


def test_r_sec_3_feed_rotation_through_the_api(users, api_as, client):
    old = InterviewerProfile.objects.create(user=users.interviewer).feed_token
    api = api_as(users.interviewer)
    shown = api.get("/api/v1/interviews/feed-token/")
    assert shown.status_code == 200 and shown.json()["url"].endswith(f"/interviews/feed/{old}.ics")

    rotated = api.post("/api/v1/interviews/feed-token/rotate/", {}, format="json")
    assert rotated.status_code == 200
    new = InterviewerProfile.objects.get(user=users.interviewer).feed_token
    assert new != old
    assert rotated.json()["user"] == users.interviewer.pk
    assert rotated.json()["url"].endswith(f"/interviews/feed/{new}.ics")
    assert rotated.json()["webcal_url"].startswith("webcal://")
    assert _feed(client, old).status_code == 404 and _feed(client, new).status_code == 200
    assert old not in _audit_rows_text() and new not in _audit_rows_text()
    assert api.post("/api/v1/interviews/feed-token/rotate/", {"token": "mine"}, format="json").status_code == 400


def test_r_sec_1_only_the_owner_or_hr_in_scope_renews_a_feed(users, org, api_as, client):
    from tests.factories import UserFactory

    target = InterviewerProfile.objects.create(user=users.interviewer)
    old = target.feed_token
    colleague = UserFactory(username="colleague", role="interviewer", departments=[org.emergency])
    hr_elsewhere = UserFactory(username="hr_company", role="hr_staff", departments=[org.company])
    url = "/api/v1/interviews/feed-token/rotate/"
    body = {"user": users.interviewer.pk}

    # Another interviewer (outside their scope) and HR of another organisation: 404, no existence leak.
    for outsider in (colleague, hr_elsewhere):
        assert api_as(outsider).post(url, body, format="json").status_code == 404, outsider
    # The department's manager sees the interviewer but may not renew their feed.
    assert api_as(users.er_manager).post(url, body, format="json").status_code == 403
    assert api_as(users.er_manager).get("/api/v1/interviews/feed-token/",
                                        {"user": users.interviewer.pk}).status_code == 403
    assert InterviewerProfile.objects.get(pk=target.pk).feed_token == old
    assert not AuditEvent.objects.filter(action="interviewer_profile.feed_token_rotate").exists()

    # The same boundary on the staff page.
    page = f"/interviews/calendar-feed/{users.interviewer.pk}/"
    client.force_login(colleague)
    assert client.post(page, {"confirm": "yes"}).status_code == 404
    client.force_login(users.er_manager)
    assert client.post(page, {"confirm": "yes"}).status_code == 403
    assert InterviewerProfile.objects.get(pk=target.pk).feed_token == old

    # HR of the interviewer's hospital may.
    assert api_as(users.hr).post(url, body, format="json").status_code == 200
    after_api = InterviewerProfile.objects.get(pk=target.pk).feed_token
    assert after_api != old
    client.force_login(users.hr)
    assert client.get(page).status_code == 200
    assert client.post(page, {"confirm": "yes"}).status_code == 302
    assert InterviewerProfile.objects.get(pk=target.pk).feed_token not in (old, after_api)
    events = AuditEvent.objects.filter(action="interviewer_profile.feed_token_rotate")
    assert [e.actor for e in events] == [users.hr, users.hr]

    # An interviewer of the hospital who was never booked yet: HR can still hand out their feed.
    newcomer = UserFactory(username="newcomer", role="interviewer", departments=[org.ward])
    assert client.get(f"/interviews/calendar-feed/{newcomer.pk}/").status_code == 200
    assert InterviewerProfile.objects.filter(user=newcomer).exists()


def test_feed_pages_need_a_login(db, client):
    assert client.get("/interviews/calendar-feed/").status_code == 302
    assert client.post("/api/v1/interviews/feed-token/rotate/").status_code in (401, 403)


# -- logs mask tokens (R-SEC-3) -------------------------------------------------------------------------

def _portal_token():
    from onboarding.links import portal_link

    return portal_link(42).rstrip("/").rsplit("/", 1)[1]


def _signed_token():
    from interviews import tokens

    return tokens.make("rebook", 7, nonce="n0nce")


# (path with {t} for the token, the token): every kind of URL whose token is a credential.
TOKEN_URLS = [
    ("/l/{t}", TOKEN),
    ("/l/o/{t}.gif", TOKEN),
    ("/interviews/feed/{t}.ics", TOKEN),
    ("/interviews/r/{t}/", None),
    ("/interviews/c/{t}/", None),
    ("/interviews/j/{t}/", None),
    ("/api/v1/interviews/rebook/{t}/", None),
    ("/api/v1/interviews/could-not-join/{t}/", None),
    ("/portal/l/{t}/", "portal"),
    ("/api/v1/integrations/twilio/status/?n={t}", TOKEN),
]


def _case(path, token):
    token = {None: _signed_token, "portal": _portal_token}.get(token, lambda: token)()
    return path.format(t=token), token


@pytest.mark.parametrize(("path", "token"), TOKEN_URLS)
def test_r_sec_3_logging_filter_masks_every_token_url_kind(db, path, token):
    path, token = _case(path, token)
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"GET {path} HTTP/1.1", 302, 0), None)
    assert TokenUrlFilter().filter(record) is True
    message = record.getMessage()
    assert token not in message and token[4:] not in message
    assert f"{token[:4]}***" in message and message.startswith('"GET /') and message.endswith('HTTP/1.1" 302 0')
    assert message.replace(f"{token[:4]}***", token) == f'"GET {path} HTTP/1.1" 302 0'  # nothing else changed


@pytest.fixture
def gunicorn_loggers():
    """GunicornLogger configures the process-wide "gunicorn.error" / "gunicorn.access" loggers: give them
    back as they were, so no handler of this test outlives it (other tests inspect every logger)."""
    saved = {name: (list(lg.handlers), list(lg.filters), lg.propagate, lg.level)
             for name in ("gunicorn.error", "gunicorn.access") for lg in [logging.getLogger(name)]}
    yield
    for name, (handlers, filters, propagate, level) in saved.items():
        lg = logging.getLogger(name)
        lg.handlers[:], lg.filters[:], lg.propagate = handlers, filters, propagate
        lg.setLevel(level)


class _Resp:
    status = "200 OK"
    sent = 123
    headers = [("Content-Type", "text/html")]


class _Req:
    def __init__(self, referer):
        self.headers = [("REFERER", referer), ("USER-AGENT", "test")]


@pytest.mark.parametrize(("path", "token"), TOKEN_URLS)
def test_r_sec_3_gunicorn_access_log_masks_every_token_url_kind(db, path, token, gunicorn_loggers):
    from gunicorn.config import Config

    path, token = _case(path, token)
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = GunicornLogger(cfg)
    out = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(out)]
    raw_path, _sep, query = path.partition("?")
    referer = f"https://hr.example.org{path}"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": raw_path, "QUERY_STRING": query,
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1", "HTTP_REFERER": referer,
               "HTTP_USER_AGENT": "test"}
    logger.access(_Resp(), _Req(referer), environ, dt.timedelta(milliseconds=5))
    line = out.getvalue()
    assert '"GET /' in line and " 200 123 " in line and token not in line and f"{token[:4]}***" in line
    # A custom format with the raw path, query, referer header and environ cannot bring it back either.
    cfg.set("access_log_format", "%(U)s %(q)s %({referer}i)s %({raw_uri}e)s %({query_string}e)s")
    out = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(out)]
    logger.access(_Resp(), _Req(referer), environ, dt.timedelta(milliseconds=5))
    assert token not in out.getvalue() and out.getvalue().count("***") >= 3


def test_r_sec_3_gunicorn_error_log_masks_tokens(gunicorn_loggers):
    from gunicorn.config import Config

    logger = GunicornLogger(Config())
    out = io.StringIO()
    logger.error_log.handlers = [logging.StreamHandler(out)]
    logger.error("Error handling request %s", f"/interviews/feed/{TOKEN}.ics")
    assert TOKEN not in out.getvalue() and f"/interviews/feed/{TOKEN[:4]}***.ics" in out.getvalue()


def test_r_sec_3_short_tokens_are_masked_completely_and_other_urls_untouched():
    assert mask_token_urls("GET /l/abc123 HTTP/1.1") == "GET /l/*** HTTP/1.1"
    for text in ("GET /api/v1/interviews/12/ HTTP/1.1", "GET /interviews/calendar-feed/ HTTP/1.1",
                 "POST /api/v1/interviews/feed-token/rotate/ HTTP/1.1", "GET /portal/login/?next=/portal/ HTTP/1.1"):
        assert mask_token_urls(text) == text


def _token_routes(resolver=None, prefix="/"):
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _token_routes(entry, prefix + route)
        elif isinstance(entry, URLPattern) and "<str:token>" in route:
            yield prefix + route


def test_r_sec_3_every_route_with_a_token_is_masked():
    """A new ``<str:token>`` route fails here until url_masking knows its prefix."""
    routes = sorted(set(_token_routes()))
    assert len(routes) >= 9, routes
    for route in routes:
        path = route.replace("<str:token>", TOKEN)
        assert TOKEN not in mask_token_urls(f"GET {path} HTTP/1.1"), route


def test_r_sec_3_django_request_log_masks_tokens_end_to_end(db, client, caplog):
    """settings.LOGGING puts the filter on django.request and django.server: a 404 for a token URL is
    logged ("Not Found: /l/<token>") without the token."""
    assert any(isinstance(f, TokenUrlFilter) for f in logging.getLogger("django.server").filters)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/l/{TOKEN}").status_code == 404
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert messages and all(TOKEN not in m for m in messages)
    assert any(f"/l/{TOKEN[:4]}***" in m for m in messages)


def test_r_sec_3_gunicorn_loads_the_masking_logger_from_the_project_config(monkeypatch):
    """Procfile, docker-compose.yml and the Dockerfile start gunicorn in the project directory, where it
    reads gunicorn.conf.py; none of them names another config or logger class."""
    from gunicorn.app.wsgiapp import WSGIApplication

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("sys.argv", ["gunicorn", "hrsys.wsgi:application", "--access-logfile", "-"])
    assert WSGIApplication().cfg.logger_class is GunicornLogger
    launchers = [(ROOT / "Procfile").read_text(), (ROOT / "docker-compose.yml").read_text(),
                 (ROOT / "Dockerfile").read_text()]
    assert all("gunicorn" in text for text in launchers)
    assert not any(flag in text for text in launchers for flag in ("--logger-class", "--config", " -c "))
    assert os.path.exists(ROOT / "gunicorn.conf.py")
