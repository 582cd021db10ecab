"""Staff sign in with two factors in real Chromium (R-SEC-9): the code page after the password, a wrong code
refused, a recovery code, and the set-up of an authenticator read off the page as a person types it into an
app. Screenshots go to artifacts/screenshots/."""

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hrsys.audit.models import AuditEvent
from tests.browser.staff import path_of, staff_login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _authenticator(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    StaticToken.objects.create(device=recovery, token="k7m2q9xa")
    return device


def _code(key: bytes) -> str:
    return f"{totp(key):06d}"


def test_r_sec_9_hr_signs_in_with_the_code_from_their_authenticator(browser, live_server, users, shot):
    device = _authenticator(users.hr)
    context, page = staff_login(browser, live_server, users.hr)
    assert path_of(page, live_server).startswith("/account/verify/")
    shot(page, "two-factor-code-page-zh-hans")
    page.fill("#id_code", _code(device.bin_key))
    page.click("#verify-form input[type=submit]")
    page.wait_for_load_state()
    assert path_of(page, live_server) == "/dashboard/"
    assert page.locator("#header-person").is_visible()
    context.close()


def test_r_sec_9_a_wrong_code_is_refused_and_a_recovery_code_signs_in(browser, live_server, users, shot):
    device = _authenticator(users.director)
    context, page = staff_login(browser, live_server, users.director)
    wrong = f"{(int(_code(device.bin_key)) + 500000) % 1000000:06d}"
    page.fill("#id_code", wrong)
    page.click("#verify-form input[type=submit]")
    page.wait_for_load_state()
    assert path_of(page, live_server).startswith("/account/verify/")
    assert page.locator("#code-error").is_visible()
    shot(page, "two-factor-wrong-code-zh-hans")
    page.goto(f"{live_server.url}/dashboard/")  # the password alone opens nothing
    assert path_of(page, live_server).startswith("/account/verify/")
    page.fill("#id_code", "K7M2-Q9XA")  # a recovery code, as printed, in capitals and with a dash
    page.click("#verify-form input[type=submit]")
    page.wait_for_load_state()
    assert path_of(page, live_server) == "/dashboard/"
    assert not StaticToken.objects.filter(token="k7m2q9xa").exists()  # used up
    assert AuditEvent.objects.filter(action="user.recovery_code_use", actor=users.director).exists()
    context.close()


def test_r_sec_9_hr_without_an_authenticator_sets_one_up_before_any_page(browser, live_server, users, shot,
                                                                         settings):
    settings.STAFF_2FA_REQUIRED_ROLES = ("sysadmin", "hr_director", "hr_staff")
    newcomer = UserFactory(username="hr_new", role="hr_staff", full_name="赵新", departments=[users.hr.departments.first()])
    context, page = staff_login(browser, live_server, newcomer)
    assert path_of(page, live_server).startswith("/account/security/enrol/")
    assert page.locator(".twofactor-qr svg").is_visible()
    shot(page, "two-factor-enrol-zh-hans")
    key = base64.b32decode(page.locator("#manual-key").inner_text().replace(" ", ""))
    page.fill("#id_code", _code(key))
    page.click("#enrol-form input[type=submit]")
    page.wait_for_load_state()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "two-factor-recovery-codes-zh-hans")
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=newcomer).values_list("token", flat=True))
    page.click("#continue")
    page.wait_for_load_state()
    assert path_of(page, live_server) == "/dashboard/"
    page.goto(f"{live_server.url}/account/security/")
    assert page.locator("#twofactor-state").is_visible()
    shot(page, "two-factor-security-page-zh-hans")
    context.close()
