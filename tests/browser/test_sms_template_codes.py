"""Domestic SMS in the template editor, in a real browser (R-CN-1): with Aliyun SMS configured, HR gives the
reminder's text the template code Aliyun approved and the parameters it takes, and the preview counts the message
with the registered signature 【...】 as the provider bills it. Screenshot (zh-hans) in artifacts/screenshots/."""

import pytest

from notifications.models import MessageTemplate, SmsProviderTemplate
from tests.browser.staff import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_templates")]


def test_hr_maps_a_reminder_to_its_aliyun_template_code(live_server, browser, shot, users, settings):
    settings.SMS_BACKEND, settings.ALIYUN_SMS_SIGN_NAME = "aliyun", "市第一人民医院"
    template = MessageTemplate.objects.get(key="interview_reminder", language="zh-hans", channel="")
    context, page = staff_login(browser, live_server, users.hr)
    page.goto(f"{live_server.url}/admin/notifications/messagetemplate/{template.pk}/change/")
    page.fill("#id_body", "{{ recipient_name }}您好，明天{{ interview_time }}面试，请准时。")
    page.click("#template-preview-button")
    live = page.locator("#template-preview-live")
    live.get_by_text("张伟您好").wait_for()
    assert "【市第一人民医院】" in live.inner_text()  # the signature, counted in the length
    page.click(".inline-group .add-row a")
    page.select_option("#id_provider_codes-0-provider", "aliyun")
    page.fill("#id_provider_codes-0-code", "SMS_465921001")
    page.fill("#id_provider_codes-0-parameters", "name=recipient_name\ntime=interview_time")
    shot(page, "sms-template-code-aliyun")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    code = SmsProviderTemplate.objects.get(template=template)
    assert (code.provider, code.code, code.parameter_pairs()) == (
        "aliyun", "SMS_465921001", [("name", "recipient_name"), ("time", "interview_time")])
    context.close()
