"""Message templates: validated on save, previewed in the admin, shipped in zh-hans and en."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from notifications.catalog import SAMPLE_CONTEXT, TEMPLATE_KEYS
from notifications.models import MessageTemplate
from notifications.rendering import render_message, template_variables
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_variables_are_found_in_every_construct():
    source = ("{{ recipient_name }} {{ job_title|default:location }} {% if meeting_url %}x{% elif salary %}y"
              "{% endif %} {% for slot in slots %}{{ slot.time }} {{ forloop.counter }}{% endfor %}"
              "{% with a=contact_name %}{{ a }}{% endwith %} {% blocktranslate %}z{% endblocktranslate %}")
    assert template_variables(source) == {"recipient_name", "job_title", "location", "meeting_url", "salary",
                                          "slots", "contact_name"}


def test_unknown_variable_is_rejected_on_save():
    template = MessageTemplate(key="interview_reminder", language="en", channel="sms", subject="Hi",
                               body="Dear {{ recipient_name }}, your salary is {{ salary }}")
    with pytest.raises(ValidationError) as err:
        template.full_clean()
    assert "salary" in err.value.message_dict["body"][0]


def test_syntax_error_and_unknown_key_are_rejected():
    with pytest.raises(ValidationError) as err:
        MessageTemplate(key="interview_reminder", language="en", body="{% if %}").full_clean()
    assert "body" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        MessageTemplate(key="made_up", language="en", body="hello").full_clean()
    assert "key" in err.value.message_dict


def test_every_key_has_a_valid_default_in_both_languages():
    for key in TEMPLATE_KEYS:
        for language in ("zh-hans", "en"):
            template = MessageTemplate.objects.filter(key=key, language=language).first()
            assert template is not None, (key, language)
            template.full_clean()
            channel = template.channel or "email"
            subject, body, _html = render_message(key=key, language=language, channel=channel,
                                                  context=SAMPLE_CONTEXT)
            assert body


def test_ai_interview_invitation_carries_an_operating_guide():
    _s, zh, _h = render_message(key="ai_interview_invitation", language="zh-hans", channel="sms",
                                context=SAMPLE_CONTEXT)
    _s, en, _h = render_message(key="ai_interview_invitation", language="en", channel="sms",
                                context=SAMPLE_CONTEXT)
    assert "操作指引" in zh and "camera" in en


def test_admin_edit_with_preview_and_validation(users):
    client = Client()
    client.login(username="hr", password=PASSWORD)
    template = MessageTemplate.objects.get(key="offer_sent", language="zh-hans", channel="")
    page = client.get(f"/admin/notifications/messagetemplate/{template.pk}/change/")
    assert page.status_code == 200
    assert "张伟您好" in page.content.decode()  # the preview rendered with sample data
    data = {"key": "offer_sent", "language": "zh-hans", "channel": "", "subject": "录用",
            "body": "{{ recipient_name }} {{ bonus }}", "html_body": ""}
    response = client.post(f"/admin/notifications/messagetemplate/{template.pk}/change/", data)
    assert response.status_code == 200 and "bonus" in response.content.decode()
    template.refresh_from_db()
    assert "bonus" not in template.body
    data["body"] = "{{ recipient_name }}，请查看：{{ offer_url }}"
    assert client.post(f"/admin/notifications/messagetemplate/{template.pk}/change/", data).status_code == 302
    template.refresh_from_db()
    assert template.body.endswith("{{ offer_url }}")


PREVIEW = "/admin/notifications/messagetemplate/preview/"


def test_live_preview_renders_the_unsaved_texts_with_sample_data_R_NS_2(users):
    template = MessageTemplate.objects.get(key="interview_reminder", language="zh-hans", channel="")
    before = template.body
    client = Client()
    client.force_login(users.hr)
    body = "{{ recipient_name }}您好，请于{{ interview_time }}到{{ location }}参加面试。" + "请准时。" * 10
    response = client.post(PREVIEW, {"key": "interview_reminder", "language": "zh-hans", "channel": "sms",
                                     "subject": "提醒", "body": body})
    assert response.status_code == 200
    data = response.json()
    expected = f"{SAMPLE_CONTEXT['recipient_name']}您好，请于{SAMPLE_CONTEXT['interview_time']}到" \
               f"{SAMPLE_CONTEXT['location']}参加面试。" + "请准时。" * 10
    assert data["body"] == expected and data["subject"] == "提醒"
    # Chinese SMS: 70 characters in one message, 67 per part beyond that
    assert data["characters"] == len(expected) and data["sms_parts"] == -(-len(expected) // 67)
    template.refresh_from_db()
    assert template.body == before  # a preview saves nothing


def test_live_preview_reports_field_errors(users):
    client = Client()
    client.force_login(users.hr)
    response = client.post(PREVIEW, {"key": "interview_reminder", "language": "en", "channel": "email",
                                     "subject": "{% if %}", "body": "Your salary: {{ salary }}"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"subject", "body"} and "salary" in errors["body"][0]
    email = client.post(PREVIEW, {"key": "interview_reminder", "language": "en", "channel": "email",
                                  "body": "Hi {{ recipient_name }}"}).json()
    assert email["sms_parts"] is None and "<p>" in email["html"]


def test_live_preview_needs_the_permission_to_edit_templates(users):
    client = Client()
    client.force_login(users.er_manager)
    assert client.post(PREVIEW, {"key": "interview_reminder", "body": "x"}).status_code == 403
    client.force_login(users.hr)
    assert client.get(PREVIEW).status_code == 405
    assert Client().post(PREVIEW, {"key": "interview_reminder", "body": "x"}).status_code == 302  # to login


def test_sms_parts_gsm_and_chinese():
    from notifications.rendering import sms_parts

    assert sms_parts("a" * 160) == (160, 1) and sms_parts("a" * 161) == (161, 2)
    assert sms_parts("中" * 70) == (70, 1) and sms_parts("中" * 135) == (135, 3)
