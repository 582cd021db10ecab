"""A staff member chooses WeCom for their staff messages in real Chromium (R-CN-2): from the Security page to
Staff messages, WeCom chosen, the account bound by the mobile number through a fake WeCom server. Screenshot in
artifacts/screenshots/."""

import pytest
from django.core.cache import cache

from notifications.channels.im_common import cache_key
from notifications.models import StaffMessaging
from tests.browser.staff import path_of, staff_login
from tests.factories import UserFactory
from tests.notifications.fake_staff_im import FakeWeCom

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake_wecom(settings):
    server = FakeWeCom(key="ww0123456789", secret="wecom-app-secret").start()
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = server.key, server.secret, "1000002"
    settings.WECOM_API_BASE = server.base
    cache.delete(cache_key("wecom", server.key, server.secret))
    yield server
    cache.delete(cache_key("wecom", server.key, server.secret))
    server.stop()


def test_r_cn_2_an_interviewer_chooses_wecom_and_is_bound(browser, live_server, fake_wecom, shot):
    user = UserFactory(username="li_ming", role="interviewer", phone="+8613912345678", preferred_language="zh-hans")
    fake_wecom.users["13912345678"] = "LiMing"
    context, page = staff_login(browser, live_server, user)
    page.goto(f"{live_server.url}/account/security/")
    page.click("#staff-messaging-link")
    page.wait_for_load_state()
    assert path_of(page, live_server) == "/account/messages/"
    assert page.locator("input[name=channel][value=email]").is_checked()
    assert page.locator(".binding-state[data-provider=wecom]").inner_text() == "未绑定"
    page.check("input[name=channel][value=wecom]")
    page.click("#staff-messaging-save")
    page.wait_for_load_state()
    assert page.locator("input[name=channel][value=wecom]").is_checked()
    assert "您的企业微信账号已绑定" in page.locator(".messagelist").inner_text()
    assert page.locator(".binding-state[data-provider=wecom]").inner_text().startswith("已绑定")
    assert "+86 139****5678" in page.content()
    shot(page, "staff-messaging-wecom-zh-hans")
    row = StaffMessaging.objects.get(user=user)
    assert row.channel == "wecom" and row.wecom_userid == "LiMing"
    context.close()
