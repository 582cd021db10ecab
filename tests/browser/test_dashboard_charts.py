"""Dashboard charts in Chromium (R-DASH-1 figures, R-DASH-2 trends per period): readable labels on a laptop
and a 360 px phone, trend lines only where there are two periods or more, "no data yet" instead of empty
axes, every chart named with its figures for screen readers. Screenshots: artifacts/screenshots/
dashboard-charts-*.png."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.browser.staff import LAPTOP, no_horizontal_scroll, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_360 = {"width": 360, "height": 780}
MONTHS = "?from=2025-01-01&to=2025-06-30"


@pytest.fixture
def half_year(org, users):
    """The dashboard tests' May history plus hires, offers and AI interviews in February to April, so the
    headline figures have several months to draw."""
    from onboarding.models import Offer
    from tests.candidates.factories import ApplicationFactory
    from tests.dashboard.conftest import at, interview, walk
    from tests.dashboard.conftest import history as dashboard_history

    history = dashboard_history.__wrapped__(org, users)
    for month, days_to_offer, days_to_hire, no_show in ((2, 9, 20, True), (3, 12, 26, False), (4, 7, 15, True)):
        applied = at(month, 1)
        app = ApplicationFactory(job=history.er_job, state="hired", source="referral", created_at=applied,
                                 state_changed_at=applied + dt.timedelta(days=days_to_hire))
        walk(app, ("new", "screening", applied + dt.timedelta(days=1)),
             ("screening", "interviewing", applied + dt.timedelta(days=3)),
             ("interviewing", "offer", applied + dt.timedelta(days=days_to_offer)),
             ("offer", "hired", applied + dt.timedelta(days=days_to_hire)))
        Offer.objects.create(application=app, state="accepted", monthly_salary=Decimal(9000),
                             start_date=dt.date(2025, month + 1, 1), valid_until=dt.date(2025, month, 28),
                             sent_at=applied + dt.timedelta(days=days_to_offer),
                             responded_at=applied + dt.timedelta(days=days_to_offer + 2))
        interview(app, kind="ai", state="no_show" if no_show else "completed", start=at(month, 2))
        interview(app, kind="ai", state="completed", start=at(month, 4))
    from dashboard import services

    services.summaries_refresh(full=True)  # the reminder figures read the materialised daily summary
    return history


def _font_px(page, selector) -> list[float]:
    return page.eval_on_selector_all(selector, "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")


def _check_charts(page, live_server, shot, device):
    page.goto(f"{live_server.url}/dashboard/figures/{MONTHS}")
    lines = page.locator("#fig-time_to_hire figure.chart-lines")
    assert lines.count() == 1
    name = lines.locator("[role=img]").get_attribute("aria-label")
    assert "2025-02 20" in name and "2025-03 26" in name and "2025-04 15" in name  # the figures, spoken
    assert page.locator("#fig-time_to_hire figure.chart-lines circle").count() == 4  # Feb, Mar, Apr, May
    # readable: tick and period labels at 12 px or more, whatever the width of the column
    assert min(_font_px(page, "figure.chart-lines text")) >= 12
    # no rotten axis: ticks are distinct round numbers
    ticks = page.eval_on_selector_all("#fig-time_to_hire .y-axis text", "els => els.map(e => e.textContent)")
    assert len(set(ticks)) == len(ticks) and ticks[0] == "0"
    # the reminders summary has one period only: a sentence and the table, no single dot
    reminders = page.locator("#fig-reminders")
    assert reminders.locator("figure.chart").count() == 0 and reminders.locator(".chart-empty").count() == 1
    assert reminders.locator("details.data-table[open]").count() == 1
    assert no_horizontal_scroll(page)
    shot(page, f"dashboard-charts-figures-{device}-zh-hans")

    page.goto(f"{live_server.url}/dashboard/sources/{MONTHS}")
    bars = page.locator("#fig-sources figure.chart-bars")
    # the chart says what it plots, under a section title that names four figures
    assert bars.locator("figcaption").inner_text() == "各渠道录用转化率"
    assert "人中录用" in bars.locator(".bar-value").first.inner_text()  # the rate with its counts
    assert min(_font_px(page, ".bar-label")) >= 12 and min(_font_px(page, ".bar-value")) >= 12
    assert no_horizontal_scroll(page)
    shot(page, f"dashboard-charts-sources-{device}-zh-hans")

    page.goto(f"{live_server.url}/dashboard/funnel/{MONTHS}")
    assert page.locator("#fig-funnel .bar-row").count() >= 5
    assert no_horizontal_scroll(page)
    shot(page, f"dashboard-charts-funnel-{device}-zh-hans")

    # a period without any data: words, not empty axes
    page.goto(f"{live_server.url}/dashboard/figures/?from=2020-01-01&to=2020-01-31")
    assert page.locator("figure.chart").count() == 0
    assert page.locator("svg").count() == page.locator("header svg, nav svg").count()
    assert page.get_by_text("暂无数据").count() >= 4
    shot(page, f"dashboard-charts-empty-{device}-zh-hans")


@pytest.mark.parametrize(("device", "viewport"), [("laptop", LAPTOP), ("phone", PHONE_360)])
def test_r_dash_1_r_dash_2_charts_readable_and_honest(browser, live_server, half_year, users, shot, device,
                                                      viewport):
    context, page = staff_login(browser, live_server, users.hr, viewport=viewport)
    try:
        _check_charts(page, live_server, shot, device)
    finally:
        context.close()
