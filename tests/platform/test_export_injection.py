"""Spreadsheet formula injection (R-SEC-2, R-INT-1): every CSV / Excel file the system writes turns text that
starts with ``= + - @``, a tab or a carriage return into plain text (a leading ``'``; in Excel also an explicit
string cell), while real numbers, negative ones too, stay numbers. Each export path is exercised through its
real endpoint with a malicious value."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dashboard.models import CostRecord
from hrsys.core.exports import cell_value, csv_writer, export_response, xlsx_cell
from notifications.default_templates import install_defaults
from notifications.models import EscalationPolicy, MessageTemplate
from tests.attendance.factories import active_account
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/","x")'
SAFE = "'" + EVIL


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_cells(response) -> list:
    assert response.status_code == 200 and response.content[:2] == b"PK"
    return [cell for row in load_workbook(io.BytesIO(response.content)).active.iter_rows() for cell in row]


def assert_neutralised_csv(response, evil=EVIL) -> list[list[str]]:
    assert response.status_code == 200
    rows = csv_rows(response)
    cells = [cell for row in rows for cell in row]
    assert "'" + evil in cells, cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells), cells
    return rows


def assert_neutralised_xlsx(response, evil=EVIL) -> list:
    cells = xlsx_cells(response)
    hits = [c for c in cells if isinstance(c.value, str) and evil in c.value]
    assert hits, [c.value for c in cells]
    for cell in hits:
        assert cell.data_type == "s" and cell.value == "'" + evil  # text, not a formula
    assert not any(c.data_type == "f" for c in cells)
    return cells


@pytest.fixture
def evil_app(org):
    job = JobFactory(department=org.emergency, title="-2+3 急诊护士")
    return ApplicationFactory(job=job, candidate__name=EVIL)


# -- the one helper ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [EVIL, "+86 138", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_r_sec_2_formula_triggers_get_a_quote(text):
    assert cell_value(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -1.5, Decimal("-12.50"), 0, 3, True, None])
def test_r_sec_2_real_numbers_stay_numbers(value):
    assert cell_value(value) is value


def test_r_sec_2_plain_text_dates_and_lazy_strings():
    from django.utils.translation import gettext_lazy

    assert cell_value("王芳") == "王芳" and cell_value("a=b") == "a=b"
    assert cell_value(dt.date(2025, 1, 2)) == "2025-01-02"
    assert cell_value(gettext_lazy("=x")) == "'=x"


def test_r_sec_2_xlsx_cell_is_a_string_never_a_formula_and_numbers_stay_numeric():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    ws.append([xlsx_cell(ws, v) for v in (EVIL, "#N/A", -5, Decimal("-12.50"), "bad\x01char")])
    buffer = io.BytesIO()
    wb.save(buffer)
    evil, error_code, neg, dec, ctrl = next(load_workbook(buffer).active.iter_rows())
    assert (evil.data_type, evil.value, evil.quotePrefix) == ("s", SAFE, True)
    assert (error_code.data_type, error_code.value) == ("s", "#N/A")  # not an Excel error value either
    assert (neg.data_type, neg.value) == ("n", -5)
    assert (dec.data_type, dec.value) == ("n", -12.5)
    assert ctrl.value == "badchar"  # control characters Excel refuses are dropped, not a crash


def test_r_sec_2_csv_writer_neutralises_and_keeps_numbers():
    out = io.StringIO()
    csv_writer(out).writerow([EVIL, -5, Decimal("-1.25"), "-5"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [SAFE, "-5", "-1.25", "'-5"]


# -- every export path, through its real endpoint ------------------------------------------------------------


def test_r_sec_2_r_int_1_candidate_export_csv_and_xlsx(users, api_as, evil_app):
    """R-SEC-2 / R-INT-1: the issue's own case, ``/api/v1/candidates/export/`` as CSV and as Excel."""
    client = api_as(users.hr)
    rows = assert_neutralised_csv(client.get("/api/v1/candidates/export/", {"format": "csv"}))
    assert rows[1][:2] == [str(evil_app.candidate_id), SAFE]  # id, name
    response = client.get("/api/v1/candidates/export/", {"format": "xlsx"})
    cells = xlsx_cells(response)
    name = next(c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert name.data_type == "s" and name.value == SAFE and not name.value.startswith("=")
    ident = next(c for c in cells if c.value == evil_app.candidate_id)
    assert ident.data_type == "n"  # ids stay numbers


def test_r_sec_2_r_int_1_application_export_csv_and_xlsx(users, api_as, evil_app):
    client = api_as(users.hr)
    rows = assert_neutralised_csv(client.get("/api/v1/applications/export/", {"format": "csv"}))
    assert "'-2+3 急诊护士" in rows[1]  # the job title, too
    assert_neutralised_xlsx(client.get("/api/v1/applications/export/", {"format": "xlsx"}))


def test_r_sec_2_staff_export(users, api_as, org):
    UserFactory(username="evil", full_name=EVIL, departments=[org.emergency])
    client = api_as(users.director)
    assert_neutralised_csv(client.get("/api/v1/staff/export/", {"format": "csv"}))
    assert_neutralised_xlsx(client.get("/api/v1/staff/export/", {"format": "xlsx"}))


def test_r_sec_2_admin_export_action(client, users, evil_app):
    client.force_login(users.hr)
    for action, check in (("export_csv", assert_neutralised_csv), ("export_xlsx", assert_neutralised_xlsx)):
        check(client.post("/admin/candidates/candidate/", {"action": action,
                                                            "_selected_action": [evil_app.candidate_id]}))


def test_r_sec_2_dashboard_export(client, users, org):
    """R-SEC-2: the dashboard's cost table, with a job titled as a formula; the amount stays a number."""
    job = JobFactory(department=org.emergency, title=EVIL)
    CostRecord.objects.create(department=org.emergency, job=job, kind="agency", month=dt.date(2025, 5, 1),
                              amount=Decimal("500.00"))
    client.force_login(users.hr)
    url = reverse("dashboard:export", args=["costs"])
    rows = assert_neutralised_csv(client.get(url, {"format": "csv"}))
    assert rows[1][:2] == [SAFE, "500.0"]
    cells = assert_neutralised_xlsx(client.get(url, {"format": "xlsx"}))
    assert next(c for c in cells if c.value == 500).data_type == "n"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_r_sec_2_export_response_keeps_negative_numbers_numeric(users, fmt):
    """R-SEC-2: the writer every export goes through neutralises text, never a real negative number (a
    correlation of -0.4, a balance of -3 days): those stay numbers, and a text "-3" becomes text."""
    rows = [{"text": EVIL, "int": -3, "float": -0.4, "decimal": Decimal("-12.50"), "string": "-3"}]
    columns = [(key, lambda row, key=key: row[key]) for key in rows[0]]
    response = export_response(actor=users.hr, rows=rows, columns=columns, fmt=fmt, basename="t",
                               object_type="test.rows")
    if fmt == "csv":
        assert assert_neutralised_csv(response)[1] == [SAFE, "-3", "-0.4", "-12.50", "'-3"]
    else:
        cells = assert_neutralised_xlsx(response)[5:]
        assert [(c.value, c.data_type) for c in cells] == [
            (SAFE, "s"), (-3, "n"), (-0.4, "n"), (-12.5, "n"), ("'-3", "s")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_r_sec_2_attendance_monthly_report_export(client, users, api_as, org, fmt):
    active_account(org.emergency, name=EVIL, effective=dt.date(2025, 11, 3))
    check = assert_neutralised_csv if fmt == "csv" else assert_neutralised_xlsx
    check(api_as(users.hr).get("/api/v1/attendance/reports/monthly/", {"month": "2025-11", "format": fmt}))
    client.force_login(users.er_manager)
    check(client.get("/admin/attendance/dailyresult/monthly-report/", {"month": "2025-11", "format": fmt}))


def test_r_sec_2_notification_evidence_csv(users, api_as, org, settings, django_capture_on_commit_callbacks,
                                           monkeypatch):
    """R-SEC-2: the recipient's browser writes the user agent recorded with their action; the evidence CSV
    carries it as text, and the content digest is unchanged by the quoting (it covers the events)."""
    from notifications import tasks
    from notifications.evidence import content_digest
    from notifications.selectors import evidence_events
    from notifications.services import candidate_action_record, notification_create
    from notifications.types import Recipient

    settings.SMS_BACKEND = "console"
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda notification_id: None)
    install_defaults(MessageTemplate, EscalationPolicy)
    person = Recipient(type="candidates.candidate", id=91, name=EVIL, phone="+8613800138091",
                       email="evil@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        sms = notification_create(recipient=person, channel="sms", template_key="interview_reminder",
                                  context={"job_title": "急诊科护士", "interview_time": "11-23 09:30",
                                           "location": "302", "confirm_url": "https://p.example.org/c/1",
                                           "reschedule_url": "https://p.example.org/r/1"},
                                  idempotency_key="injection:1", department=org.emergency)
        candidate_action_record(kind="confirm", channel="portal", notification=sms, user_agent="@SUM(1+1)*cmd",
                                at=timezone.now())
    response = api_as(users.hr).get("/api/v1/notifications/evidence/", {
        "recipient_type": "candidates.candidate", "recipient_id": "91", "format": "csv"})
    assert_neutralised_csv(response, evil="@SUM(1+1)*cmd")
    cells = [cell for row in csv_rows(response) for cell in row]
    assert "'+8613800138091" in cells
    events = evidence_events(user=users.hr, recipient_type="candidates.candidate", recipient_id="91")
    assert response["X-Evidence-SHA256"] == content_digest(events)


def test_r_sec_2_no_spreadsheet_writer_outside_the_helper():
    """R-SEC-2: CSV and Excel files are written only by ``hrsys.core.exports`` (``export_response``,
    ``csv_writer``), so no export can skip the neutralising; a new ``csv.writer`` elsewhere fails here."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    helper = root / "hrsys" / "core" / "exports.py"
    apps = ["hrsys", *sorted(p.parent.name for p in root.glob("*/apps.py"))]  # every app, new ones included
    offenders = [
        f"{path.relative_to(root)}: {needle}"
        for app in apps for path in (root / app).rglob("*.py") if path != helper
        for needle in ("csv.writer(", "csv.DictWriter(", "Workbook(", "xlsxwriter")
        if needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
