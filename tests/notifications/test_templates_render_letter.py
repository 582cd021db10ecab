"""The offer letter reads right in both of its languages (issue 15.4, R-OFFER-3): the department is named once
("急诊科住院医师", not "急诊科急诊科住院医师"), the English sentence is English around the names, and its
spaces survive into the PDF ("the position of 急诊科护士in 急诊科at" was what a reader copied out of it)."""

import io

import pytest
from docx import Document

from onboarding import letters

BASE = {"organization_name": "市第一人民医院", "candidate_name": "李娜", "reference": "OFFER-7-v1",
        "issued_on": "2026-11-22", "job_level": "N1", "monthly_salary": "10,000.00", "currency": "CNY",
        "start_date": "2026-12-15", "probation_months": 3, "working_hours": "-", "benefits": "-",
        "valid_until": "2026-11-30"}


def _paragraphs(docx: bytes) -> list[str]:
    return [p.text.replace("\u00a0", " ") for p in Document(io.BytesIO(docx)).paragraphs]


@pytest.mark.parametrize(("title", "department", "zh", "en"), [
    ("急诊科住院医师", "急诊科", "决定录用您担任急诊科住院医师一职。",
     "We are pleased to offer you the position of 急诊科住院医师 at 市第一人民医院."),
    ("护士", "急诊科", "决定录用您担任急诊科护士一职。",
     "We are pleased to offer you the position of 护士 (急诊科) at 市第一人民医院."),
])
def test_r_offer_3_letter_names_the_department_once(title, department, zh, en):
    """R-OFFER-3: a title that contains its department is not prefixed with it again, in either language."""
    text = _paragraphs(letters.render_docx({**BASE, "job_title": title, "department_name": department}))
    assert any(p.endswith(zh) for p in text), text
    assert en in text
    assert not any("急诊科急诊科" in p for p in text)


def test_hr_template_with_the_old_tags_still_renders(tmp_path):
    """HR may have replaced the Word file keeping the tags of the first release: it still fills."""
    doc = Document()
    doc.add_paragraph("{{ candidate_name }}：{{ department_name }}{{ job_title }}")
    path = tmp_path / "own.docx"
    doc.save(str(path))
    out = letters.render_docx({**BASE, "job_title": "护士", "department_name": "急诊科"}, template_path=path)
    assert _paragraphs(out)[0] == "李娜：急诊科护士"


@pytest.mark.libreoffice
def test_r_offer_3_pdf_text_keeps_the_spaces_around_chinese_names(settings):
    """R-OFFER-3: the words of the English sentence stay apart from the Chinese names in the PDF's text."""
    from pypdf import PdfReader

    settings.OFFER_LETTER_PDF = True
    pdf = letters.docx_to_pdf(letters.render_docx({**BASE, "job_title": "急诊科护士", "department_name": "急诊科"}))
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\u00a0", " ").split())
    assert "the position of 急诊科护士 at 市第一人民医院." in text
    assert "编号 / Reference: OFFER-7-v1" in text
