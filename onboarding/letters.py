"""Offer letters: a Word template filled with docxtpl, PDF through LibreOffice when installed, SHA-256 of every
document, and the signed copy with a signature page (R-OFFER-3).

Pure functions on bytes; ``onboarding.services`` stores the results (encrypted) and records the hashes.
"""

import hashlib
import io
import logging
import re
from pathlib import Path

from django.conf import settings

from hrsys.core import documents
from notifications.wording import position_name

logger = logging.getLogger(__name__)

TEMPLATE_PATH = Path(__file__).resolve().parent / "templates" / "docx" / "offer_letter.docx"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_default_template(path: Path = TEMPLATE_PATH) -> Path:
    """Write the shipped Word template (python-docx; the ``{{ }}`` tags are docxtpl's). HR may replace the file
    with their own letterhead as long as it keeps the same tags."""
    from docx import Document  # noqa: PLC0415 -- python-docx is heavy; loaded only when a letter is built
    from docx.shared import Pt  # noqa: PLC0415 -- python-docx is heavy; loaded only when a letter is built

    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(11)
    doc.add_heading("{{ organization_name }}", level=1)
    doc.add_heading("录用通知书 / Offer of Employment", level=2)
    doc.add_paragraph("编号 / Reference: {{ reference }}    日期 / Date: {{ issued_on }}")
    doc.add_paragraph("{{ candidate_name }}：")
    doc.add_paragraph("我们很高兴通知您，经过面试与评估，{{ organization_name }}决定录用您担任{{ position_zh }}一职。")
    doc.add_paragraph("We are pleased to offer you the position of {{ position_en }} at {{ organization_name }}.")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, tag in [
        ("岗位 / Position", "{{ job_title }}"),
        ("科室 / Department", "{{ department_name }}"),
        ("职级 / Level", "{{ job_level }}"),
        ("月薪（税前）/ Monthly salary (gross)", "{{ monthly_salary }} {{ currency }}"),
        ("入职日期 / Start date", "{{ start_date }}"),
        ("试用期 / Probation", "{{ probation_months }} 个月 / months"),
        ("工作时间 / Working hours", "{{ working_hours }}"),
        ("福利 / Benefits", "{{ benefits }}"),
        ("答复期限 / Please answer by", "{{ valid_until }}"),
    ]:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = tag
    doc.add_paragraph("")
    doc.add_paragraph(
        "请在答复期限前通过候选人门户在线签署本通知书。逾期未答复，本录用通知自动失效。"
        " Please sign this letter online in the candidate portal before the date above; "
        "after it the offer lapses.")
    doc.add_paragraph("{{ organization_name }} 人力资源部 / Human Resources")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


#: After Chinese text, LibreOffice writes the following space into the PDF ahead of that text, so copied or
#: extracted text reads "急诊科护士in 急诊科at"; a no-break space stays where it is.
_SPACE_AFTER_CJK = re.compile(r"(?<=[\u2e80-\u9fff\uff00-\uffef]) (?=\S)")


def composed(context: dict) -> dict:
    """The letter's values plus the phrases composed from them: ``position_zh`` / ``position_en`` name the
    department only when the job title does not ("急诊科住院医师", not "急诊科急诊科住院医师")."""
    values = {k: ("" if v is None else str(v)) for k, v in context.items()}
    title, department = values.get("job_title", ""), values.get("department_name", "")
    values.setdefault("position_zh", position_name(title, department, language="zh-hans"))
    values.setdefault("position_en", position_name(title, department, language="en"))
    return values


def render_docx(context: dict, *, template_path: Path | None = None) -> bytes:
    """Fill the Word template with the offer's values (and ``composed`` phrases)."""
    from docx.oxml.ns import qn  # noqa: PLC0415 -- python-docx is heavy; loaded only when a letter is built
    from docxtpl import DocxTemplate  # noqa: PLC0415 -- python-docx is heavy; loaded only when a letter is built

    path = template_path or TEMPLATE_PATH
    if not path.exists():
        build_default_template(path)
    tpl = DocxTemplate(str(path))
    tpl.render(composed(context))
    for node in tpl.docx.element.body.iter(qn("w:t")):
        if node.text and " " in node.text:
            node.text = _SPACE_AFTER_CJK.sub("\u00a0", node.text)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def docx_to_pdf(docx: bytes, *, timeout: int = 120) -> bytes | None:
    """The letter as PDF (LibreOffice), unless ``OFFER_LETTER_PDF`` is off; ``None`` then or when LibreOffice
    is missing or fails (the DOCX alone is sent)."""
    if not getattr(settings, "OFFER_LETTER_PDF", True):
        return None
    return documents.docx_to_pdf(docx, timeout=timeout)


def signed_copy(docx: bytes, *, signature_png: bytes, typed_name: str, signed_at: str, ip: str,
                document_sha256: str) -> bytes:
    """The letter with a signature page appended (python-docx)."""
    from docx import Document  # noqa: PLC0415 -- python-docx is heavy; loaded only when a letter is built
    from docx.enum.text import WD_BREAK  # noqa: PLC0415 -- python-docx is heavy; loaded only when a letter is built
    from docx.shared import Cm  # noqa: PLC0415 -- python-docx is heavy; loaded only when a letter is built

    doc = Document(io.BytesIO(docx))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("签署页 / Signature page", level=2)
    doc.add_paragraph(f"签署人 / Signed by: {typed_name}")
    doc.add_paragraph(f"时间 / Time: {signed_at}")
    doc.add_paragraph(f"IP: {ip or '-'}")
    doc.add_paragraph(f"原文件 SHA-256 / Document SHA-256: {document_sha256}")
    doc.add_picture(io.BytesIO(signature_png), width=Cm(6))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n"
