"""Staff sign in with two factors where their role requires it (R-SEC-9, hrsys/accounts/twofactor.py)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hrsys.accounts import twofactor
from hrsys.audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def product_roles(settings):
    """The product's default: admin, HR director and HR staff must enrol (the suite's conftest turns it off)."""
    settings.STAFF_2FA_REQUIRED_ROLES = ("sysadmin", "hr_director", "hr_staff")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def code_now(device) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(user, clock) -> tuple[TOTPDevice, list[str]]:
    """Through the services, as the set-up page does; moves the clock on a step so the next code is fresh."""
    device = twofactor.totp_enrolment_start(user=user)
    device, codes = twofactor.totp_enrolment_confirm(user=user, code=code_now(device))
    clock.shift(dt.timedelta(seconds=30))
    return device, codes


def password_login(user, next_url="/start/") -> tuple[Client, object]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/admin/login/", {"username": user.username, "password": PASSWORD, "next": next_url})
    return client, response


# -- sign-in with a code ------------------------------------------------------------------------------------

def test_r_sec_9_password_alone_leaves_an_enrolled_user_at_the_code_page(users, clock):
    enrol(users.hr, clock)
    client, response = password_login(users.hr, "/dashboard/")
    assert response.status_code == 302
    page = client.get("/dashboard/")
    assert page.status_code == 302 and page["Location"].startswith("/account/verify/?next=")
    assert client.get("/admin/").status_code == 302
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    assert client.get("/account/verify/").status_code == 200


def test_r_sec_9_the_right_code_opens_the_next_page_and_the_session_stays_verified(users, clock):
    device, _codes = enrol(users.hr, clock)
    client, _ = password_login(users.hr)
    response = client.post("/account/verify/?next=/dashboard/", {"code": code_now(device), "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_r_sec_9_a_wrong_code_is_refused_audited_and_throttled(users, clock):
    device, _codes = enrol(users.hr, clock)
    client, _ = password_login(users.hr)
    wrong = f"{(int(code_now(device)) + 1) % 1000000:06d}"
    response = client.post("/account/verify/", {"code": wrong})
    assert response.status_code == 400
    assert "not right" in response.content.decode()
    assert AuditEvent.objects.filter(action="user.two_factor_refused", object_id=str(users.hr.pk)).count() == 1
    assert client.get("/dashboard/").status_code == 302
    # at once, even the right code waits: django-otp's per-device throttle
    response = client.post("/account/verify/", {"code": code_now(device)})
    assert response.status_code == 400 and "Too many wrong codes" in response.content.decode()
    clock.shift(dt.timedelta(seconds=2))
    assert client.post("/account/verify/", {"code": code_now(device)}).status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_r_sec_9_a_recovery_code_signs_in_once(users, clock):
    _device, codes = enrol(users.hr, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    client, _ = password_login(users.hr)
    assert client.post("/account/verify/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert AuditEvent.objects.filter(action="user.recovery_code_use").get().changes == {
        "recovery_codes_left": [None, 9]}
    again, _ = password_login(users.hr)
    assert again.post("/account/verify/", {"code": codes[0]}).status_code == 400
    assert twofactor.recovery_codes_left(users.hr) == 9


def test_r_sec_9_new_recovery_codes_replace_the_old(users, clock):
    _device, old = enrol(users.hr, clock)
    client = Client()
    client.force_login(users.hr)
    client.post("/account/verify/", {"code": old[0]})
    response = client.post("/account/security/recovery-codes/")
    assert response.status_code == 200
    new = [code for code in StaticToken.objects.filter(device__user=users.hr).values_list("token", flat=True)]
    assert len(new) == 10 and not set(new) & set(old)
    assert all(code in response.content.decode() for code in new)
    assert AuditEvent.objects.filter(action="user.recovery_codes_renew").exists()


# -- who must enrol -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["hr", "director", "sysadmin"])
def test_r_sec_9_admin_hr_director_and_hr_must_enrol_before_any_staff_page(users, product_roles, username):
    user = users.hr.__class__.objects.get(username=username)
    client, _ = password_login(user)
    for url in ("/start/", "/dashboard/", "/admin/", "/workspace/jobs/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/security/enrol/"), url
    assert client.get("/api/v1/me/").status_code == 403


@pytest.mark.parametrize("username", ["er_manager", "interviewer"])
def test_r_sec_9_other_roles_are_offered_two_factor_sign_in_not_forced(users, product_roles, username):
    user = users.hr.__class__.objects.get(username=username)
    client, _ = password_login(user)
    assert client.get("/start/").status_code == 302
    assert client.get(client.get("/start/")["Location"]).status_code == 200
    page = client.get("/account/security/")
    assert page.status_code == 200 and 'id="enrol-link"' in page.content.decode()


def test_r_sec_9_enrolment_shows_the_key_confirms_with_a_code_and_shows_ten_recovery_codes(users, product_roles,
                                                                                            clock):
    client, _ = password_login(users.hr, "/dashboard/")
    page = client.get("/account/security/enrol/?next=/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", "")  # the QR code is inline, nothing fetched
    device = TOTPDevice.objects.get(user=users.hr, confirmed=False)
    assert twofactor.manual_key(device) in html
    assert client.post("/account/security/enrol/", {"code": "000000"}).status_code == 400
    clock.shift(dt.timedelta(seconds=2))
    response = client.post("/account/security/enrol/", {"code": code_now(device), "next": "/dashboard/"})
    assert response.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=users.hr).values_list("token", flat=True))
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert TOTPDevice.objects.get(user=users.hr).confirmed
    assert AuditEvent.objects.filter(action="user.two_factor_enrol", object_id=str(users.hr.pk)).exists()
    assert client.get("/dashboard/").status_code == 200  # the enrolment verified this session
    assert client.get("/account/security/enrol/").status_code == 302  # no second enrolment


def test_r_sec_9_security_page_needs_a_sign_in(client):
    response = client.get("/account/security/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# -- the reset by a system administrator ----------------------------------------------------------------------

def test_r_sec_9_a_system_administrator_resets_a_second_factor_with_a_reason_audited(users, clock):
    enrol(users.hr, clock)
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin.force_login(users.admin)
    url = f"/admin/accounts/user/{users.hr.pk}/two-factor-reset/"
    change = admin.get(f"/admin/accounts/user/{users.hr.pk}/change/")
    assert url in change.content.decode()
    assert admin.post(url, {"reason": ""}).status_code == 400
    assert twofactor.enrolled(users.hr)
    response = admin.post(url, {"reason": "lost phone"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=users.hr).exists()
    assert not StaticDevice.objects.filter(user=users.hr).exists()
    event = AuditEvent.objects.get(action="user.two_factor_reset")
    assert (event.actor, event.object_id, event.reason) == (users.admin, str(users.hr.pk), "lost phone")
    assert admin.get("/admin/accounts/user/987654/two-factor-reset/").status_code == 404


@pytest.mark.parametrize("username", ["hr", "director", "er_manager", "interviewer"])
def test_r_sec_9_nobody_else_resets_a_second_factor(users, clock, username):
    enrol(users.it_manager, clock)
    client = Client()
    client.force_login(users.hr.__class__.objects.get(username=username))
    url = f"/admin/accounts/user/{users.it_manager.pk}/two-factor-reset/"
    assert client.post(url, {"reason": "x"}).status_code in (302, 403)  # 302: not admin staff at all
    assert twofactor.enrolled(users.it_manager)
    assert not AuditEvent.objects.filter(action="user.two_factor_reset").exists()


def test_r_sec_9_django_otp_device_admins_are_not_registered(users):
    client = Client()
    client.force_login(users.admin)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


# -- the API token endpoint -----------------------------------------------------------------------------------

def test_r_sec_9_token_endpoint_asks_users_with_a_device_for_a_code(users, api_client, clock):
    device, codes = enrol(users.hr, clock)
    body = {"username": "hr", "password": PASSWORD}
    missing = api_client.post(TOKEN_URL, body, format="json")
    assert missing.status_code == 400 and "otp" in missing.json()["error"]["fields"]
    wrong = api_client.post(TOKEN_URL, {**body, "otp": "12345x"}, format="json")
    assert wrong.status_code == 400 and "otp" in wrong.json()["error"]["fields"]
    clock.shift(dt.timedelta(seconds=5))
    right = api_client.post(TOKEN_URL, {**body, "otp": code_now(device)}, format="json")
    assert right.status_code == 200 and right.json()["token"]
    clock.shift(dt.timedelta(seconds=30))
    assert api_client.post(TOKEN_URL, {**body, "otp": codes[3]}, format="json").status_code == 200


def test_r_sec_9_token_endpoint_refuses_a_required_role_without_a_device(users, api_client, product_roles):
    refused = api_client.post(TOKEN_URL, {"username": "hr", "password": PASSWORD}, format="json")
    assert refused.status_code == 400 and "otp" in refused.json()["error"]["fields"]
    allowed = api_client.post(TOKEN_URL, {"username": "interviewer", "password": PASSWORD}, format="json")
    assert allowed.status_code == 200


def test_r_sec_9_a_code_is_not_checked_before_the_password(users, api_client, clock):
    enrol(users.hr, clock)
    response = api_client.post(TOKEN_URL, {"username": "hr", "password": "wrong", "otp": "123456"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_credentials"
    assert not AuditEvent.objects.filter(action="user.two_factor_refused").exists()


def test_r_sec_9_demo_users_get_the_published_authenticator(db, product_roles):
    from hrsys.accounts import demo

    demo.seed()
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert with_device == {"admin", "director", "hr", "hr_company"}
    assert UserFactory._meta.model.objects.get(username="hr").check_password(demo.DEMO_PASSWORD)
