"""Dashboards in a real browser (Chromium, headless): every page renders its charts from local static
files, on a laptop and a tablet, in English and Chinese; screenshots go to artifacts/screenshots/
(R-DASH-1, R-DASH-3)."""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PAGES = ["", "funnel/", "figures/", "sources/", "insights/", "attrition/"]

@pytest.fixture
def history(org, users):
    """The hand-countable history of the dashboard tests."""
    from tests.dashboard.conftest import history as dashboard_history

    history = dashboard_history.__wrapped__(org, users)
    from interviews.ai.models import AIInterviewResult
    from tests.ai_interviews.factories import VendorFactory

    vendor = VendorFactory()
    labels = {"logic": "逻辑思维", "communication": "沟通能力", "stress_tolerance": "抗压能力"}
    for job in (history.er_job, history.it_job):
        job.assessment_dimensions = [{"key": k, "label": v, "pass": 60, "borderline": 40} for k, v in labels.items()]
        job.save(update_fields=["assessment_dimensions"])
    for n, (app, score) in enumerate([(history.a1, 88), (history.a2, 52), (history.a3, 61), (history.a4, 74),
                                      (history.b1, 80)]):
        AIInterviewResult.objects.create(
            application=app, vendor=vendor, vendor_result_id=f"shot-{n}", overall_score=score, decision="pass",
            dimension_scores={d: {"raw": score + k, "scale": [0, 100], "score": score + k}
                              for k, d in enumerate(["logic", "communication", "stress_tolerance"])})
    return history


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(context, live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize(("device", "viewport", "language"), [
    ("laptop", {"width": 1366, "height": 900}, "en"),
    ("tablet", {"width": 820, "height": 1180}, "zh-hans"),
])
def test_dashboard_pages_screenshots(browser, live_server, history, users, device, viewport, language):
    from dashboard import services

    services.summaries_refresh(full=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport, locale=language,
                                  extra_http_headers={"Accept-Language": language})
    _login(context, live_server, users.hr)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    for path in PAGES:
        query = "?from=2025-05-01&to=2025-06-30" if path in ("funnel/", "figures/", "sources/") else ""
        response = page.goto(f"{live_server.url}/dashboard/{path}{query}")
        assert response.status == 200, path
        assert page.locator("h1").count() == 1
        if path == "figures/":  # one month of history: a single point is no trend, the tables show it
            assert page.locator("figure.chart-lines").count() == 0
            assert page.locator("details.data-table[open]").count() >= 4
        if path in ("funnel/", "figures/", "sources/"):
            assert page.locator("figure.chart").count() >= 1 or path == "figures/", path
            # the chart fits the screen: no horizontal scrolling on a tablet
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        name = path.strip("/") or "today"
        page.screenshot(path=str(SHOTS / f"dashboard-{name}-{device}-{language}.png"), full_page=True)
    assert outside == []  # no CDN, nothing outside the site
    context.close()
