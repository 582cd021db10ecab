"""Dashboard data tables start open (issue 15 point 10): the table is the chart's text alternative, so it is there
without a click; its summary still folds it."""

import re

from django.template.loader import render_to_string


def _figure(chart):
    fig = {"name": "funnel", "title": "Funnel", "note": "", "chart": chart,
           "columns": [("stage", "Stage", "text"), ("count", "Count", "int")],
           "rows": [{"stage": "Applied", "count": 12}, {"stage": "Hired", "count": 3}]}
    return render_to_string("dashboard/_figure.html", {"fig": fig, "query": ""})


def test_r_dash_1_data_table_is_open_with_or_without_a_chart():
    for chart in ("<svg class='chart'></svg>", ""):
        html = _figure(chart)
        details = re.search(r'<details class="data-table"[^>]*>', html).group(0)
        assert re.search(r"\sopen(\s|>|$)", details), (chart, details)
        assert "<summary>" in html and "<th scope=\"col\">Count</th>" in html
