"""Dashboard chart rendering (dashboard/charts.py) at its edges: no data, all zero, one point, many points
(R-DASH-1 figures on the dashboards, R-DASH-2 trends per period). No database needed."""

import pickle
import re

import pytest
from django.utils import translation

from dashboard import charts


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _aria(html: str) -> str:
    return re.search(r'role="img" aria-label="([^"]*)"', html).group(1)


# -- bars (R-DASH-1) ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("items", [[], [("Referral", None), ("Agency", None)]])
def test_r_dash_1_bars_without_data_say_so_and_draw_nothing(items):
    chart = charts.bar_chart(items, title="Hired of applied per source", percent=True)
    assert not chart.drawn
    assert "No data yet." in chart and "<svg" not in chart and "<rect" not in chart


def test_r_dash_1_bars_all_zero_are_a_sentence_not_zero_width_bars():
    chart = charts.bar_chart([("Screening", 0), ("Interviewing", 0)], title="Stuck applications")
    assert not chart.drawn
    assert "every value is 0" in chart and "<rect" not in chart


def test_r_dash_1_one_bar_is_drawn_with_its_value_and_detail():
    chart = charts.bar_chart([("Referral", 2 / 3, "2 of 3")], title="Hired of applied per source", percent=True)
    assert chart.drawn
    assert chart.count('class="bar-row"') == 1
    assert 'width="66.7%"' in chart  # a rate is drawn against 100 %, not against the largest rate
    assert "66.7 % (2 of 3)" in chart
    assert _aria(chart) == "Hired of applied per source. Referral: 66.7 % (2 of 3)"


def test_r_dash_1_many_bars_scale_to_the_largest_and_keep_none_as_a_dash():
    items = [(f"Stage {i}", i) for i in range(1, 21)] + [("Unknown", None)]
    chart = charts.bar_chart(items, title="Median days in stage")
    assert chart.count('class="bar-row"') == 21
    assert 'width="100.0%"' in chart and 'width="5.0%"' in chart
    assert ">–</span>" in chart  # the row without a value is there, without a bar length
    assert "Stage 20: 20" in _aria(chart) and "Unknown: –" in _aria(chart)


def test_r_dash_1_the_visible_title_says_what_the_bars_show_unless_the_heading_does():
    shown = charts.bar_chart([("Referral", 0.5)], title="Hired of applied per source", percent=True)
    assert '<figcaption class="chart-title">Hired of applied per source</figcaption>' in shown
    hidden = charts.bar_chart([("Applied", 5)], title="Funnel", show_title=False)
    assert "<figcaption" not in hidden and _aria(hidden).startswith("Funnel. ")


def test_r_dash_1_labels_are_html_text_not_scaled_svg_text():
    """Labels stay at the page's font size however narrow the column: no viewBox, no SVG text in bars."""
    chart = charts.bar_chart([("急诊科护士", 3), ("<b>x</b>", 1)], title="t")
    assert "viewBox" not in chart and "<text" not in chart
    assert '<span class="bar-label">急诊科护士</span>' in chart
    assert "<b>x</b>" not in chart and "&lt;b&gt;x&lt;/b&gt;" in chart  # escaped


# -- lines (R-DASH-2) --------------------------------------------------------------------------------------

def test_r_dash_2_line_without_data_says_no_data_yet():
    for labels, series in (([], []), (["2025-05"], [("rate", [None])]), (["2025-05", "2025-06"], [])):
        chart = charts.line_chart(labels, series, title="AI interview no-show rate", percent=True)
        assert not chart.drawn and "No data yet." in chart and "<line" not in chart


def test_r_dash_2_line_all_zero_has_no_fake_axis():
    """The old chart labelled an all-zero axis "0.0 0.0 0.0 0.0 0.0"."""
    chart = charts.line_chart(["2025-04", "2025-05", "2025-06"], [("rate", [0.0, 0.0, 0.0])],
                              title="AI interview no-show rate", percent=True)
    assert not chart.drawn
    assert "every value is 0" in chart and "<text" not in chart and "0.0" not in chart


def test_r_dash_2_one_period_is_no_line_the_table_gives_it():
    chart = charts.line_chart(["2025-05"], [("all", [0.33]), ("after reminders", [0.5])],
                              title="AI interview no-show rate", percent=True)
    assert not chart.drawn
    assert "one period only" in chart and "<circle" not in chart


def test_r_dash_2_one_period_with_a_value_among_empty_ones_is_no_line_either():
    chart = charts.line_chart(["2025-04", "2025-05", "2025-06"], [("time to hire", [None, 12.0, None])],
                              title="Time to hire (median days)")
    assert not chart.drawn and "one period only" in chart


def test_r_dash_2_two_points_draw_a_line_with_round_ticks_and_figures_in_its_name():
    chart = charts.line_chart(["2025-05", "2025-06"], [("time to hire", [12.0, 18.5])],
                              title="Time to hire (median days)", show_title=False)
    assert chart.drawn
    assert chart.count("<circle") == 2 and chart.count('stroke-width="2.5"') == 1  # one segment
    ticks = re.findall(r'dominant-baseline="middle">([^<]*)</text>', chart)
    assert ticks == ["0", "5", "10", "15", "20"]
    assert _aria(chart) == "Time to hire (median days). time to hire: 2025-05 12, 2025-06 18.5"
    assert "viewBox" not in chart  # percentages of a box that keeps its CSS size: text is never scaled


def test_r_dash_2_many_points_thin_the_period_labels_and_leave_gaps_open():
    labels = [f"W{k:02d}" for k in range(1, 27)]
    values = [0.1 + k / 100 for k in range(26)]
    values[10] = None
    chart = charts.line_chart(labels, [("all", values), ("after reminders", [v and v / 2 for v in values])],
                              title="AI interview no-show rate", percent=True)
    assert chart.drawn
    shown = re.findall(r'<text x="[^"]*" y="1em" text-anchor="\w+"( class="inner")?>([^<]*)</text>', chart)
    assert shown[0] == ("", "W01") and shown[-1] == ("", "W26") and len(shown) <= charts.MAX_X_LABELS
    # a phone keeps the first, the middle and the last period label (the others are "inner")
    assert [label for inner, label in shown if not inner] == ["W01", shown[len(shown) // 2][1], "W26"]
    assert chart.count("<circle") == 50  # 25 values per series; the missing week has no dot
    assert chart.count('stroke-width="2.5"') == 2 * 23  # 24 segments per series minus the two across the gap
    assert 'stroke-dasharray="7 4"' in chart  # the second series is dashed: told apart without colour
    ticks = re.findall(r'dominant-baseline="middle">([^<]*)</text>', chart)
    assert ticks[0] == "0 %" and ticks[-1].endswith("%") and len(set(ticks)) == len(ticks)


def test_r_dash_2_rate_axis_stops_at_100_percent():
    assert charts.nice_ticks(0.97, percent=True)[-1] == 1.0
    assert charts.nice_ticks(0.3, percent=True) == [0.0, 0.1, 0.2, 0.3]
    assert charts.nice_ticks(24.7) == [0.0, 10.0, 20.0, 30.0]
    assert charts.nice_ticks(0) == [0.0]


def test_chart_survives_the_figure_cache():
    """Figures are pickled into the cache (dashboard.cache); the chart keeps its HTML and its ``drawn``."""
    chart = charts.line_chart(["a", "b"], [("s", [1, 2])], title="t")
    again = pickle.loads(pickle.dumps(chart))
    assert again == chart and again.drawn is True
    assert pickle.loads(pickle.dumps(charts.bar_chart([], title="t"))).drawn is False
