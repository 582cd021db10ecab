"""zh-hans and en catalogs, a language switch, UTC storage shown in Asia/Shanghai."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.utils import timezone, translation

pytestmark = pytest.mark.django_db


def test_catalogs_are_compiled_and_chinese_is_the_default(client):
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Wrong username or password.") == "用户名或密码错误。"
    with translation.override("en"):
        assert translation.gettext("Wrong username or password.") == "Wrong username or password."
    assert "从投递简历到正式入职" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "from application to employee" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_language_switch_changes_the_page_language(client):
    assert "从投递简历到正式入职" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "from application to employee" in client.get("/").content.decode()


def test_api_errors_follow_the_request_language(api_client):
    response = api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json",
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["error"]["message"] == "用户名或密码错误。"
    response = api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json",
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "Wrong username or password."


def test_times_are_stored_in_utc_and_shown_in_shanghai():
    from hrsys.core.models import TickRun

    run = TickRun.objects.create(moment=datetime(2026, 11, 23, 1, 0, tzinfo=UTC), source="test")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT moment FROM core_tickrun WHERE id = %s", [run.pk])
        raw = cur.fetchone()[0]
    raw_text = raw.isoformat() if hasattr(raw, "isoformat") else str(raw)
    assert raw_text.startswith("2026-11-23") and ("01:00" in raw_text)
    assert timezone.localtime(run.moment).strftime("%H:%M %Z") == "09:00 CST"
