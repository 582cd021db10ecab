"""Resume intake: sniffing, limits, extraction and proposed fields, Chinese and English, PDF and DOCX (R-PIPE-5)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candidates import resumes, services
from candidates.models import Resume
from hrsys.audit.models import AccessLog
from tests.candidates.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db

ZH_LINES = ["个人简历", "姓名：李晓红", "手机：139 1234 5678", "邮箱：xiaohong.li@example.cn",
            "学历：本科（护理学），在读硕士", "5年工作经验，熟悉静脉穿刺、心肺复苏。", "持有护士执业证书。"]
EN_LINES = ["Curriculum Vitae", "Name: Emily Carter", "Phone: +44 20 7946 0958", "Email: emily.carter@example.com",
            "Education: Bachelor of Science in Nursing", "7 years of clinical experience in emergency care",
            "Skills: CPR, triage, IV cannulation", "Registered nurse licence held."]
VOCAB_SKILLS = [{"name": "静脉穿刺", "weight": 3, "aliases": ["IV cannulation"]},
                {"name": "心肺复苏", "weight": 2, "aliases": ["CPR"]}, {"name": "分诊", "weight": 1,
                                                                        "aliases": ["triage"]},
                {"name": "Java", "weight": 1}]


def make_pdf(lines, chinese=False) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    font = "Helvetica"
    if chinese:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    c.setFont(font, 11)
    for i, line in enumerate(lines):
        c.drawString(72, 760 - 18 * i, line)
    c.save()
    return buf.getvalue()


def make_docx(lines) -> bytes:
    from docx import Document

    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _vocab():
    from tests.candidates.factories import JobFactory

    return JobFactory.build(skills=VOCAB_SKILLS).skill_vocabulary()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_chinese_resume_fields_with_snippets(fmt):
    data = make_pdf(ZH_LINES, chinese=True) if fmt == "pdf" else make_docx(ZH_LINES)
    kind = resumes.check_upload(data)
    assert kind == fmt
    text = resumes.extract_text(data, kind)
    p = resumes.propose_fields(text, _vocab())
    assert p["name"]["value"] == "李晓红"
    assert p["phone"]["value"] == "+8613912345678" and "139 1234 5678" in p["phone"]["snippet"]
    assert p["email"]["value"] == "xiaohong.li@example.cn"
    assert p["years_experience"]["value"] == 5 and "5年工作经验" in p["years_experience"]["snippet"]
    assert p["education"]["value"] == "master" and "硕士" in p["education"]["snippet"]
    assert {s["value"] for s in p["skills"]} == {"静脉穿刺", "心肺复苏"}
    assert [c["value"] for c in p["credentials"]] == ["nurse_licence"]
    assert "护士执业证书" in p["credentials"][0]["snippet"]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_english_resume_fields_with_snippets(fmt):
    data = make_pdf(EN_LINES) if fmt == "pdf" else make_docx(EN_LINES)
    text = resumes.extract_text(data, resumes.check_upload(data))
    p = resumes.propose_fields(text, _vocab())
    assert p["name"]["value"] == "Emily Carter"
    assert p["phone"]["value"] == "+442079460958"
    assert p["email"]["value"] == "emily.carter@example.com"
    assert p["years_experience"]["value"] == 7 and "7 years of clinical experience" in p["years_experience"]["snippet"]
    assert p["education"]["value"] == "bachelor" and "Bachelor" in p["education"]["snippet"]
    assert {s["value"] for s in p["skills"]} == {"静脉穿刺", "心肺复苏", "分诊"}
    assert "Java" not in {s["value"] for s in p["skills"]}
    assert [c["value"] for c in p["credentials"]] == ["nurse_licence"]


def test_word_boundaries_for_ascii_skills():
    p = resumes.propose_fields("I write JavaScript every day", {"java": "Java"})
    assert "skills" not in p


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"GIF89a not a resume", "neither"),
    (b"PK\x03\x04 broken zip", "neither"),
    (b"%PDF-1.4 garbage that is not really a pdf", "damaged"),
])
def test_bad_files_are_refused_with_a_clear_message(users, api_as, er_job, data, message):
    app = ApplicationFactory(job=er_job)
    upload = SimpleUploadedFile("cv.pdf", data)
    response = api_as(users.hr).post(f"/api/v1/candidates/{app.candidate_id}/resumes/", {"file": upload},
                                     format="multipart")
    assert response.status_code == 400
    assert message in " ".join(response.json()["error"]["fields"]["file"])
    assert not Resume.objects.exists()


def test_zip_without_word_document_is_not_docx():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<x/>")
    assert resumes.sniff(buf.getvalue()) is None


def test_size_limit(users, api_as, er_job, monkeypatch):
    monkeypatch.setattr(resumes, "MAX_RESUME_BYTES", 1000)
    app = ApplicationFactory(job=er_job)
    upload = SimpleUploadedFile("cv.docx", make_docx(ZH_LINES))
    response = api_as(users.hr).post(f"/api/v1/candidates/{app.candidate_id}/resumes/", {"file": upload},
                                     format="multipart")
    assert response.status_code == 400 and "larger" in response.json()["error"]["fields"]["file"][0]
    assert not Resume.objects.exists()


def test_upload_encrypts_proposes_then_hr_confirms_and_score_changes(users, api_as, er_job, settings):
    er_job.skills = VOCAB_SKILLS
    er_job.required_credentials = []
    er_job.save()
    cand = CandidateFactory(skills=[], years_experience=0, education="secondary")
    app = ApplicationFactory(job=er_job, candidate=cand)
    services.application_recompute_match(application_id=app.pk)
    app.refresh_from_db()
    before = app.match_score
    client = api_as(users.hr)
    data = make_docx(ZH_LINES)
    response = client.post(f"/api/v1/candidates/{cand.pk}/resumes/", {"file": SimpleUploadedFile("简历.docx", data)},
                           format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "docx" and body["proposed"]["years_experience"]["value"] == 5
    resume = Resume.objects.get()
    with open(resume.file.path, "rb") as fh:  # on disk: ciphertext, not the DOCX
        assert not fh.read().startswith(b"PK")
    proposed = body["proposed"]
    confirm = client.post(f"/api/v1/resumes/{resume.pk}/confirm/", {
        "years_experience": proposed["years_experience"]["value"], "education": "bachelor",  # HR corrects
        "skills": [s["value"] for s in proposed["skills"]]})
    assert confirm.status_code == 200 and confirm.json()["confirmed_at"]
    cand.refresh_from_db()
    assert (cand.years_experience, cand.education) == (5, "bachelor")
    app.refresh_from_db()
    assert app.match_score > before
    assert app.match_breakdown["skills"]["matched"] == ["静脉穿刺", "心肺复苏"]
    download = client.get(f"/api/v1/resumes/{resume.pk}/file/")
    assert b"".join(download.streaming_content) == data
    assert AccessLog.objects.filter(kind="download", object_type="candidates.resume").exists()


def test_confirm_rejects_unknown_and_bad_fields(users, api_as, er_job):
    app = ApplicationFactory(job=er_job, candidate=CandidateFactory(years_experience=1))
    resume = services.resume_upload(actor=users.hr, candidate_id=app.candidate_id, data=make_docx(EN_LINES),
                                    filename="cv.docx")
    client = api_as(users.hr)
    response = client.post(f"/api/v1/resumes/{resume.pk}/confirm/", {"salary": 1, "years_experience": 3})
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"salary"}
    response = client.post(f"/api/v1/resumes/{resume.pk}/confirm/", {"phone": "12", "years_experience": 3})
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"phone"}
    app.candidate.refresh_from_db()
    assert app.candidate.years_experience == 1  # nothing saved
    resume.refresh_from_db()
    assert resume.confirmed_at is None
