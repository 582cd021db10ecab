"""Staff login throttling per account and client address, a short per-account pause, the client address behind
trusted proxies, and the unlock commands (R-SEC-1; hrsys/accounts/throttle.py, hrsys/core/middleware.client_ip)."""

import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from hrsys.audit.models import AccessLog
from hrsys.core.middleware import client_ip
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/"
PROXY = "10.0.0.2"  # the reverse proxy: every request through it has this REMOTE_ADDR


def token(api_client, username, password, **meta):
    return api_client.post(TOKEN, {"username": username, "password": password}, format="json", **meta)


def admin_login(username, password, **meta):
    """A fresh browser (no shared session) signing in to the admin; returns (response, client)."""
    client = Client()
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"}, **meta), client


def fail(api_client, username, times, **meta):
    return [token(api_client, username, "wrong", **meta).status_code for _ in range(times)]


@pytest.fixture
def start(time_machine):
    now = timezone.now().replace(microsecond=0)
    time_machine.move_to(now, tick=False)
    return now


# -- per account and address --------------------------------------------------------------------------------

def test_r_sec_1_failures_for_a_made_up_user_do_not_lock_a_real_one_at_the_same_address(users, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response, _client = admin_login("no-such-user", "wrong", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429  # the made-up account is stopped at this address ...
    response, client = admin_login("hr", PASSWORD, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(users.hr.pk)  # ... hr is not


def test_r_sec_1_five_failures_lock_that_account_at_that_address_only(users, api_client, settings, start,
                                                                     time_machine):
    statuses = fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="192.0.2.20")
    assert statuses == [400] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429]
    refused = token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.20")  # even the right password
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
    assert refused["Retry-After"] == "900" and refused.json()["error"]["retry_after"] == 900
    assert "token" not in refused.json()
    elsewhere = token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.21")
    assert elsewhere.status_code == 200 and elsewhere.json()["token"]
    admin_page, _client = admin_login("hr", PASSWORD, REMOTE_ADDR="192.0.2.20")  # the admin login shares it
    assert admin_page.status_code == 429
    time_machine.shift(datetime.timedelta(minutes=14))
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.20").status_code == 429
    time_machine.shift(datetime.timedelta(minutes=1, seconds=1))
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.20").status_code == 200


def test_r_sec_1_refused_tries_do_not_extend_the_lock(users, api_client, settings, start, time_machine):
    fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="192.0.2.22")
    time_machine.shift(datetime.timedelta(minutes=10))
    assert fail(api_client, "hr", 3, REMOTE_ADDR="192.0.2.22") == [429] * 3
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.22")["Retry-After"] == "300"
    time_machine.shift(datetime.timedelta(minutes=5, seconds=1))
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.22").status_code == 200


def test_r_sec_1_a_success_clears_the_failures_of_that_account_at_that_address(users, api_client, settings):
    fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT - 1, REMOTE_ADDR="192.0.2.23")
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.23").status_code == 200
    assert fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT - 1, REMOTE_ADDR="192.0.2.23") == [400] * 4


def test_r_sec_1_locked_admin_login_is_a_styled_429_page_with_retry_after(users, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        page, _client = admin_login("hr", "wrong", REMOTE_ADDR="192.0.2.24", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 429 and 840 < int(page["Retry-After"]) <= 900
    assert page["Content-Type"].startswith("text/html")
    assert "Try again in 15 minutes" in html and "admin/css/login.css" in html  # the admin's look, not a bare string
    assert 'href="/admin/login/' in html


def test_r_sec_1_locked_page_is_in_chinese(users, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        page, _client = admin_login("hr", "wrong", REMOTE_ADDR="192.0.2.25", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 429 and "15 分钟后再试" in page.content.decode()


def test_r_sec_1_json_when_the_client_asks_for_json(users, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        page, _client = admin_login("hr", "wrong", REMOTE_ADDR="192.0.2.26", HTTP_ACCEPT="application/json")
    assert page.status_code == 429 and page.json()["error"]["code"] == "throttled"
    assert page.json()["error"]["retry_after"] == int(page["Retry-After"])


# -- the client address behind trusted proxies -----------------------------------------------------------------

def test_r_sec_1_behind_one_proxy_two_people_are_throttled_independently(users, api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    guesser = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    colleague = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    assert fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT, **guesser)[-1] == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert token(api_client, "hr", PASSWORD, **guesser).status_code == 429
    assert token(api_client, "hr", PASSWORD, **colleague).status_code == 200  # same proxy, same account
    assert token(api_client, "er_manager", PASSWORD, **guesser).status_code == 200  # another account


def test_r_sec_1_a_forged_entry_left_of_the_proxys_does_not_change_the_address(users, api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(settings.LOGIN_FAILURE_LIMIT):  # a new forged entry on every try: still one address
        token(api_client, "hr", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.9")
    forged = token(api_client, "hr", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.77, 198.51.100.9")
    assert forged.status_code == 429
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 429


def test_r_sec_1_without_trusted_proxies_the_header_is_ignored(users, api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(settings.LOGIN_FAILURE_LIMIT):  # a client rotating the header gains nothing
        token(api_client, "hr", "wrong", REMOTE_ADDR="192.0.2.30", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    rotated = token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.30", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert rotated.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.30"}


@pytest.mark.parametrize(("hops", "header", "expected"), [
    (0, "198.51.100.1", "10.0.0.2"),                      # 0: the header is never read
    (1, "", "10.0.0.2"),                                  # no header: straight to the app
    (1, "198.51.100.1", "198.51.100.1"),
    (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),         # the client's own entry, left of the proxy's
    (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
    (2, "198.51.100.1", "10.0.0.2"),                      # shorter than the proxy chain
    (1, "not-an-address", "10.0.0.2"),
    (1, "198.51.100.1:5123", "198.51.100.1"),             # a proxy that adds the port
    (1, "[2001:db8::1]:5123", "2001:db8::1"),
])
def test_r_sec_1_client_ip_takes_the_address_that_many_hops_from_the_right(settings, hops, header, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    meta = {"REMOTE_ADDR": PROXY}
    if header:
        meta["HTTP_X_FORWARDED_FOR"] = header
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_r_sec_1_the_audit_context_records_the_address_behind_the_proxy(users, api_as, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    api_as(users.hr).get(f"/api/v1/staff/{users.er_manager.pk}/", REMOTE_ADDR=PROXY,
                         HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.40")
    assert AccessLog.objects.get().ip == "198.51.100.40"


def test_r_sec_1_portal_code_limit_per_address_counts_each_client_behind_the_proxy(db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PORTAL_CODE_PER_IP = 2
    first = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.50"}
    second = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.51"}
    client = Client()

    def ask(n, meta):
        return client.post("/portal/login/", {"step": "request", "identifier": f"1390000{n:04d}"}, **meta).status_code

    assert [ask(1, first), ask(2, first), ask(3, first)] == [200, 200, 429]
    assert ask(4, second) == 200  # the same proxy, another candidate: not refused


# -- per account from all addresses ------------------------------------------------------------------------------

def test_r_sec_1_spraying_one_account_from_many_addresses_pauses_it_for_minutes_only(users, api_client, settings,
                                                                                     start, time_machine):
    limit = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    assert limit > settings.LOGIN_FAILURE_LIMIT
    statuses = [token(api_client, "sysadmin", "wrong", REMOTE_ADDR=f"198.18.0.{i}").status_code
                for i in range(limit)]
    assert statuses == [400] * (limit - 1) + [429]
    paused = token(api_client, "sysadmin", PASSWORD, REMOTE_ADDR="198.18.1.1",  # the owner, at a fresh address
                   HTTP_ACCEPT_LANGUAGE="en")
    assert paused.status_code == 429 and paused["Retry-After"] == str(settings.LOGIN_ACCOUNT_COOLOFF_SECONDS)
    assert "several places" in paused.json()["error"]["message"]
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="198.18.0.1").status_code == 200  # other accounts: no
    time_machine.shift(datetime.timedelta(minutes=3))
    for i in range(10):  # the sprayer keeps going during the pause: refused, and it does not extend it
        assert token(api_client, "sysadmin", "wrong", REMOTE_ADDR=f"198.18.2.{i}").status_code == 429
    time_machine.shift(datetime.timedelta(minutes=2, seconds=1))
    assert token(api_client, "sysadmin", PASSWORD, REMOTE_ADDR="198.18.1.1").status_code == 200
    # the pause started a fresh count: the next single failure does not pause the account again
    assert token(api_client, "sysadmin", "wrong", REMOTE_ADDR="198.18.3.1").status_code == 400
    assert token(api_client, "sysadmin", PASSWORD, REMOTE_ADDR="198.18.3.2").status_code == 200


def test_r_sec_1_failures_spread_over_more_than_the_window_do_not_pause_the_account(users, api_client, settings,
                                                                                    start, time_machine):
    for i in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT - 1):
        token(api_client, "sysadmin", "wrong", REMOTE_ADDR=f"198.18.4.{i}")
    time_machine.shift(datetime.timedelta(seconds=settings.LOGIN_ACCOUNT_WINDOW_SECONDS + 1))
    assert token(api_client, "sysadmin", "wrong", REMOTE_ADDR="198.18.5.1").status_code == 400
    assert token(api_client, "sysadmin", PASSWORD, REMOTE_ADDR="198.18.5.2").status_code == 200


# -- unlock --------------------------------------------------------------------------------------------------

def test_r_sec_1_axes_reset_username_lifts_both_locks(users, api_client, settings):
    fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="192.0.2.40")
    for i in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT):
        token(api_client, "sysadmin", "wrong", REMOTE_ADDR=f"198.18.6.{i}")
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.40").status_code == 429
    assert token(api_client, "sysadmin", PASSWORD, REMOTE_ADDR="198.18.7.1").status_code == 429
    call_command("axes_reset_username", "hr", "sysadmin", stdout=io.StringIO())
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.40").status_code == 200
    assert token(api_client, "sysadmin", PASSWORD, REMOTE_ADDR="198.18.7.1").status_code == 200


def test_r_sec_1_axes_reset_ip_lifts_the_locks_at_that_address(users, api_client, settings):
    fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="192.0.2.41")
    fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="192.0.2.42")
    call_command("axes_reset_ip", "192.0.2.41", stdout=io.StringIO())
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.41").status_code == 200
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.42").status_code == 429


def test_r_sec_1_axes_reset_lifts_everything(users, api_client, settings):
    fail(api_client, "hr", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="192.0.2.43")
    for i in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT):
        token(api_client, "sysadmin", "wrong", REMOTE_ADDR=f"198.18.8.{i}")
    call_command("axes_reset", stdout=io.StringIO())
    assert token(api_client, "hr", PASSWORD, REMOTE_ADDR="192.0.2.43").status_code == 200
    assert token(api_client, "sysadmin", PASSWORD, REMOTE_ADDR="198.18.9.1").status_code == 200
