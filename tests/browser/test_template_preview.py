"""The message template editor in a real browser: HR changes the SMS text and previews it before saving,
with the SMS part count (R-NS-2)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_previews_an_edited_sms_before_saving(browser, live_server, message_templates, users, shot):
    from django.conf import settings
    from django.test import Client

    from notifications.models import MessageTemplate

    template = MessageTemplate.objects.get(key="interview_reminder", language="zh-hans", channel="")
    saved = template.body
    client = Client()
    client.force_login(users.hr)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME]
                          .value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{live_server.url}/admin/notifications/messagetemplate/{template.pk}/change/")
    page.fill("#id_body", "{{ recipient_name }}您好，明天{{ interview_time }}面试，地点{{ location }}，请准时。")
    page.click("#template-preview-button")
    live = page.locator("#template-preview-live")
    live.get_by_text("张伟您好，明天2026-11-23 09:30面试").wait_for()
    assert "44 个字符，按 1 条短信计费" in live.inner_text()  # characters and SMS parts, in Chinese
    page.fill("#id_body", "{{ salary }}")
    page.click("#template-preview-button")
    live.locator(".errorlist li").first.wait_for()
    assert "salary" in live.inner_text()
    shot(page, "admin-template-preview-zh-hans")
    template.refresh_from_db()
    assert template.body == saved  # previewing saved nothing
    context.close()
