"""The dashboards on the demo data in Chromium (issue 15 item 1, R-DASH-1, R-DASH-2, R-DASH-3): after
``seed_demo`` every page shows figures -- charts with a year of points, the insights with their samples, the
attrition risks of this year's hires -- and a screenshot of each is saved as
artifacts/screenshots/demo-dashboard-<page>.png."""

import io
import os

import pytest
from django.core.management import call_command

from tests.browser.staff import LAPTOP, no_horizontal_scroll

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["", "funnel/", "figures/", "sources/", "insights/", "attrition/"]


def _login(context, live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])


def test_r_dash_1_demo_dashboards_show_a_year(browser, live_server, shot, settings, tmp_path):
    """R-DASH-1, R-DASH-2, R-DASH-3: each dashboard page of the demo has its figures; the trends are lines over
    months, the insights carry sample sizes, the attrition page lists risks (not "not trained")."""
    from hrsys.accounts.models import User

    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
    director = User.objects.get(username="director")
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"})
    _login(context, live_server, director)
    page = context.new_page()
    page.set_default_timeout(30000)
    for path in PAGES:
        response = page.goto(f"{live_server.url}/dashboard/{path}")
        assert response.status == 200, path
        text = page.inner_text("main")
        if path:  # every figure's table has rows
            assert page.locator("table tbody tr").count() >= 3, path
        if path == "figures/":
            assert page.locator("figure.chart-lines").count() >= 3  # a year of months: trends are lines
        if path == "funnel/":
            assert page.locator("figure.chart").count() >= 3
        if path == "insights/":
            assert "样本" in text and "小样本" in text or "样本量" in text
        if path == "attrition/":
            assert "尚未训练" not in text and "历史数据不足" not in text
            assert page.locator("table tbody tr").count() >= 1
        assert no_horizontal_scroll(page), path
        shot(page, f"demo-dashboard-{path.strip('/') or 'today'}")
    context.close()
