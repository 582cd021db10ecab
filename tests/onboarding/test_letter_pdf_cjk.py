"""A Chinese offer letter printed to PDF keeps its Chinese (R-OFFER-3): the text extracted from the PDF is the
Chinese it was given, set in an embedded CJK font. Without a CJK font (python:3.11-slim has none; the
Dockerfile installs fonts-noto-cjk) LibreOffice prints empty boxes."""

import io
import re

import pytest

from onboarding import letters

pytestmark = pytest.mark.libreoffice

CJK_FONT = re.compile(r"CJK|SourceHan|WenQuanYi|DroidSansFallback|SimSun|SimHei|Hei|Song", re.I)

CONTEXT = {
    "organization_name": "市第一人民医院", "reference": "OF-2025-0042", "issued_on": "2025-05-10",
    "candidate_name": "王芳", "job_title": "护士", "department_name": "急诊科", "job_level": "N2",
    "monthly_salary": "12,000.00", "currency": "元", "start_date": "2025-06-01", "probation_months": "3",
    "working_hours": "三班倒，每周四十小时", "benefits": "五险一金、带薪年假、夜班补贴", "valid_until": "2025-05-20",
}


def _pdf_text_and_fonts(pdf: bytes) -> tuple[str, set[str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    fonts = {str(f.get_object()["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"].get("/Font", {}).values()}
    return "".join(page.extract_text() for page in reader.pages), fonts


def test_r_offer_3_chinese_letter_pdf_text_extracts_as_the_chinese_given(settings):
    settings.OFFER_LETTER_PDF = True
    pdf = letters.docx_to_pdf(letters.render_docx(CONTEXT))
    assert pdf is not None and pdf.startswith(b"%PDF-")
    text, fonts = _pdf_text_and_fonts(pdf)
    flat = re.sub(r"\s+", "", text)
    for value in ("市第一人民医院", "王芳", "急诊科护士", "三班倒，每周四十小时", "五险一金、带薪年假、夜班补贴",
                  "录用通知书", "我们很高兴通知您"):
        assert value in flat, value
    assert any(CJK_FONT.search(name) for name in fonts), fonts  # real glyphs, embedded, not boxes
