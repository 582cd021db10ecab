"""Excel / CSV import of candidate lists: preview, row errors, duplicates, all-or-nothing (R-PIPE-5)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from candidates import importer
from candidates.models import Application, Candidate
from tests.candidates.factories import ApplicationFactory, CandidateFactory
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机", "邮箱", "身份证号", "学历", "工作年限", "技能", "来源"]
GOOD_ROWS = [
    ["张伟", "13800138001", "zw@example.org", "11010519491231002X", "本科", "5", "静脉穿刺、心肺复苏", "内推"],
    ["李娜", "13800138002", "ln@example.org", "440524188001010014", "大专", "2", "", ""],
]


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.mark.parametrize("maker", [xlsx, csv_bytes, lambda rows: csv_bytes(rows, "gbk")], ids=["xlsx", "csv", "gbk"])
def test_good_file_previews_then_imports(users, er_job, maker):
    data = maker([HEADER, *GOOD_ROWS])
    preview = importer.candidates_import(actor=users.hr, data=data, filename="list", job_id=er_job.pk)
    assert (preview.rows, preview.valid, preview.errors, preview.committed) == (2, 2, [], False)
    assert not Candidate.objects.exists()
    done = importer.candidates_import(actor=users.hr, data=data, filename="list", job_id=er_job.pk, commit=True)
    assert done.committed and done.created == 2
    zw = Candidate.objects.by_identifier("13800138001").get()
    assert (zw.name, zw.education, zw.years_experience, zw.skills, zw.source) == (
        "张伟", "bachelor", 5, ["静脉穿刺", "心肺复苏"], "referral")
    assert Application.objects.filter(job=er_job, state="new").count() == 2
    assert all(a.match_score is not None for a in Application.objects.all())


def test_every_bad_row_is_listed_and_nothing_is_saved(users, er_job):
    existing = ApplicationFactory(job=er_job, candidate=CandidateFactory(email="taken@example.org")).candidate
    rows = [HEADER, *GOOD_ROWS,
            ["王芳", "12345", "wf@example.org", "", "本科", "3", "", ""],                 # row 4: phone
            ["赵强", "13800138005", "", "110105194912310021", "本科", "x", "", ""],       # row 5: id + years
            ["", "13800138006", "", "", "博士后", "1", "", "火星"],                       # row 6: name, edu, source
            ["孙磊", "13800138001", "taken@example.org", "", "", "", "", ""]]            # row 7: dup in file + db
    result = importer.candidates_import(actor=users.hr, data=xlsx(rows), filename="l.xlsx", job_id=er_job.pk,
                                        commit=True)
    got = {(e["row"], e["column"]) for e in result.errors}
    assert got == {(4, "phone"), (5, "id_number"), (5, "years_experience"), (6, "name"), (6, "education"),
                   (6, "source"), (7, "phone"), (7, "email")}
    dup = next(e for e in result.errors if (e["row"], e["column"]) == (7, "email"))
    assert f"#{existing.pk}" in dup["reason"]
    assert "row 2" in next(e for e in result.errors if (e["row"], e["column"]) == (7, "phone"))["reason"]
    assert not result.committed and Candidate.objects.count() == 1
    partial = importer.candidates_import(actor=users.hr, data=xlsx(rows), filename="l.xlsx", job_id=er_job.pk,
                                         commit=True, partial=True)
    assert partial.committed and partial.created == 2 and Candidate.objects.count() == 3


@pytest.mark.parametrize(("data", "field"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "file"),
    (csv_bytes([["name", "shoe size"], ["x", "42"]]), "file"),
    (csv_bytes([["phone"], ["13800138001"]]), "file"),
])
def test_unreadable_files_and_headers(users, er_job, data, field):
    with pytest.raises(ValidationError) as exc:
        importer.candidates_import(actor=users.hr, data=data, filename="x", job_id=er_job.pk)
    assert field in exc.value.message_dict


def test_unknown_job(users):
    with pytest.raises(ValidationError) as exc:
        importer.candidates_import(actor=users.hr, data=csv_bytes([HEADER, *GOOD_ROWS]), filename="x", job_id=9999)
    assert "job" in exc.value.message_dict


def test_api_preview_and_commit(users, api_as, er_job):
    client = api_as(users.hr)
    data = xlsx([HEADER, *GOOD_ROWS, ["", "", "", "", "", "", "", ""], ["坏", "1", "", "", "", "", "", ""]])
    response = client.post("/api/v1/candidates/import/", {"file": SimpleUploadedFile("l.xlsx", data),
                                                          "job": er_job.pk}, format="multipart")
    assert response.status_code == 200
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(5, "phone")]  # empty row 4 skipped
    assert not Candidate.objects.exists()
    response = client.post("/api/v1/candidates/import/", {"file": SimpleUploadedFile("l.xlsx", data),
                                                          "job": er_job.pk, "commit": True, "partial": True},
                           format="multipart")
    assert response.status_code == 201 and response.json()["created"] == 2


def test_management_command_with_progress(users, er_job, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([HEADER, *GOOD_ROWS, ["坏", "1", "", "", "", "", "", ""]]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_candidates", str(path), job=er_job.pk, commit=True, stdout=out, stderr=io.StringIO())
    assert "row     4  phone" in out.getvalue() and not Candidate.objects.exists()
    call_command("import_candidates", str(path), job=er_job.pk, commit=True, partial=True, stdout=out,
                 stderr=io.StringIO())
    assert Candidate.objects.count() == 2


def test_admin_import_preview_lists_errors(users, er_job):
    client = Client()
    assert client.login(username="hr", password=PASSWORD)
    data = csv_bytes([HEADER, *GOOD_ROWS, ["坏", "1", "", "", "", "", "", ""]])
    response = client.post("/admin/candidates/candidate/import/", {
        "file": SimpleUploadedFile("l.csv", data), "job": er_job.pk, "preview": "1"})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.errors[0]["row"] == 4 and not Candidate.objects.exists()
    response = client.post("/admin/candidates/candidate/import/", {
        "file": SimpleUploadedFile("l.csv", data), "job": er_job.pk, "partial": "on", "commit": "1"})
    assert Candidate.objects.count() == 2
