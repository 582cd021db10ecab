"""Bulk import of vendor result exports: same validation, row-level errors, all or nothing (R-AI-3)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from interviews.ai.importer import ai_results_import
from interviews.ai.models import AIInterviewResult, Delivery
from tests.ai_interviews.factories import ApplicationFactory, InvitationFactory


@pytest.fixture
def three_invited(er_job, generic_vendor):
    return [InvitationFactory(application=ApplicationFactory(job=er_job, state="ai_invited"),
                              vendor=generic_vendor, assessment_id=f"B-{i}") for i in range(1, 4)]


def csv_bytes(rows) -> bytes:
    return ("\n".join(",".join(map(str, r)) for r in rows) + "\n").encode("utf-8-sig")


HEADER = ["测评编号", "结果编号", "总分", "logic", "dim:comm", "维度:stress", "姓名", "期望薪资"]


def test_r_ai_3_import_reports_every_bad_row_and_stores_nothing(three_invited, generic_vendor, users):
    """R-AI-3: unknown assessment, out-of-range score, non-number, duplicate result id in the file, missing id:
    each reported with row and column; the good rows are not stored either (all or nothing)."""
    data = csv_bytes([
        HEADER,
        ["B-1", "R-1", 80, 4, 0.8, 4, "张三", 12000],      # good
        ["B-404", "R-2", 80, 4, 0.8, 4, "李四", ""],       # unknown assessment
        ["B-2", "R-3", 80, 7, 0.8, 4, "王五", ""],         # logic outside 1-5
        ["B-3", "R-4", "eighty", 4, 0.8, 4, "赵六", ""],   # not a number
        ["B-3", "R-1", 80, 4, 0.8, 4, "赵六", ""],         # result id again
        ["", "R-5", 80, 4, 0.8, 4, "钱七", ""],            # no assessment id
    ])
    report = ai_results_import(actor=users.hr, vendor=generic_vendor, data=data, filename="acme.csv", commit=True)
    assert report.committed is False and report.valid == 1
    got = {(e["row"], e["column"]) for e in report.errors}
    assert got == {(3, "测评编号"), (4, "logic"), (5, "总分"), (6, "结果编号"), (7, "测评编号")}
    assert any("1-5" in e["reason"] for e in report.errors if e["row"] == 4)
    assert report.ignored_columns == ["姓名"]
    assert AIInterviewResult.objects.count() == 0 and Delivery.objects.count() == 0


def test_r_ai_3_import_xlsx_commit_then_again_is_idempotent(three_invited, generic_vendor, users, worker):
    wb = Workbook()
    ws = wb.active
    ws.append(["assessment_id", "result_id", "overall_score", "logic", "dim:comm", "dim:stress",
               "earliest_start_date"])
    for i in range(1, 4):
        ws.append([f"B-{i}", f"R-{i}", 70 + i, 4, 0.9, 5, "2026-05-01"])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    preview = ai_results_import(actor=users.hr, vendor=generic_vendor, data=data, filename="acme.xlsx")
    assert preview.errors == [] and preview.valid == 3 and AIInterviewResult.objects.count() == 0
    assert preview.preview[0]["dimensions"] == {"logic": 75.0, "communication": 90.0, "stress_tolerance": 100.0}
    progress = []
    with worker.committing():
        report = ai_results_import(actor=users.hr, vendor=generic_vendor, data=data, filename="acme.xlsx",
                                   commit=True, progress=lambda done, total: progress.append((done, total)))
    assert report.committed and report.created == 3
    assert progress[-1] == (3, 3)
    worker.run()
    assert set(AIInterviewResult.objects.values_list("source", flat=True)) == {"import"}
    three_invited[0].application.refresh_from_db()
    assert three_invited[0].application.state == "interviewing"  # the same automatic moves
    again = ai_results_import(actor=users.hr, vendor=generic_vendor, data=data, filename="acme.xlsx", commit=True)
    assert again.created == 0 and again.duplicates == 3
    assert AIInterviewResult.objects.count() == 3


def test_r_ai_3_import_without_assessment_column(generic_vendor, users, db):
    report = ai_results_import(actor=users.hr, vendor=generic_vendor, data=csv_bytes([["foo"], ["bar"]]))
    assert report.errors[0]["row"] == 1 and report.errors[0]["column"] == "assessment_id"


def test_r_ai_3_import_api_preview_and_commit_errors(three_invited, users, api_as):
    data = csv_bytes([HEADER, ["B-1", "R-1", 80, 9, 0.8, 4, "", ""]])
    client = api_as(users.hr)
    preview = client.post("/api/v1/ai-interviews/imports/", {"vendor": "acme", "file": SimpleUploadedFile(
        "a.csv", data)}, format="multipart")
    assert preview.status_code == 200 and preview.json()["errors"][0]["column"] == "logic"
    commit = client.post("/api/v1/ai-interviews/imports/", {"vendor": "acme", "commit": True,
                                                            "file": SimpleUploadedFile("a.csv", data)},
                         format="multipart")
    assert commit.status_code == 400 and commit.json()["committed"] is False
    assert api_as(users.er_manager).post("/api/v1/ai-interviews/imports/", {
        "vendor": "acme", "file": SimpleUploadedFile("a.csv", data)}, format="multipart").status_code == 403


def test_r_ai_3_import_command(three_invited, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([HEADER, ["B-1", "R-1", 80, 9, 0.8, 4, "", ""]]))
    with pytest.raises(CommandError):
        call_command("import_ai_results", str(path), vendor="acme", commit=True, verbosity=0)
    assert "row 2, logic" in capsys.readouterr().out
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([HEADER, ["B-1", "R-1", 80, 4, 0.8, 4, "", ""]]))
    call_command("import_ai_results", str(good), vendor="acme", commit=True, verbosity=0)
    assert AIInterviewResult.objects.count() == 1
