"""Resume files: sniff the type from the content, extract text, propose fields (R-PIPE-5).

Pure functions (no database): ``candidates.services.resume_upload`` validates,
stores and records; HR confirms or corrects what is proposed here. Every proposed
value carries the snippet of text it was read from, so HR can judge it at a glance.
Chinese and English resumes are both understood.
"""

import io
import re
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import CredentialType, Education
from .validators import validate_phone

MAX_RESUME_BYTES = 10 * 1024 * 1024
SNIPPET_CONTEXT = 24


def sniff(data: bytes) -> str | None:
    """'pdf', 'docx' or None, from the bytes themselves (never the file name)."""
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if "word/document.xml" in zf.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
    return None


def read_upload(upload, *, field: str = "file") -> bytes:
    """The bytes of an uploaded file, refused by size (a ValidationError on ``field``) before it is read into
    memory."""
    if upload.size > MAX_RESUME_BYTES:
        raise ValidationError({field: [_("The file is larger than %(mb)s MB.") % {"mb": MAX_RESUME_BYTES // (1024 * 1024)}]})
    return upload.read()


def check_upload(data: bytes) -> str:
    """The file kind, or a ValidationError on ``file`` that says what is wrong."""
    if not data:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(data) > MAX_RESUME_BYTES:
        raise ValidationError({"file": [_("The file is larger than %(mb)s MB.") % {"mb": MAX_RESUME_BYTES // (1024 * 1024)}]})
    kind = sniff(data)
    if kind is None:
        raise ValidationError({"file": [_("Only PDF and Word (.docx) resumes are accepted; this file is neither.")]})
    return kind


def extract_text(data: bytes, kind: str) -> str:
    try:
        if kind == "pdf":
            from pypdf import PdfReader  # noqa: PLC0415 - heavy (0.15 s); loaded only for a PDF résumé

            reader = PdfReader(io.BytesIO(data))
            return "\n".join((page.extract_text() or "") for page in reader.pages).strip()
        from docx import Document  # noqa: PLC0415 - python-docx is heavy (0.1 s); loaded only for a Word résumé

        doc = Document(io.BytesIO(data))
        lines = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            for row in table.rows:
                lines.append("  ".join(cell.text for cell in row.cells))
        return "\n".join(lines).strip()
    except Exception:  # noqa: BLE001 - any parser failure means the same thing to the user
        raise ValidationError({"file": [_("The file could not be read: it looks damaged.")]})


# -- proposing fields ---------------------------------------------------------------------------

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)|\+\d{1,3}[\s-]?\d[\d\s-]{6,14}\d")
YEARS_RES = [
    re.compile(r"(\d{1,2})\s*(?:\+|多)?\s*年(?:以上)?(?:的)?\s*(?:[\u4e00-\u9fff]{0,4})经验"),
    re.compile(r"(?:工作|临床|护理|从业)?(?:年限|经验)\s*[:：]?\s*(\d{1,2})\s*年"),
    re.compile(r"(\d{1,2})\s*\+?\s*years?(?:'|’)?\s+(?:of\s+)?(?:[A-Za-z-]+\s+){0,3}?experience", re.IGNORECASE),
    re.compile(r"experience\s*[:：]\s*(\d{1,2})\s*\+?\s*years?", re.IGNORECASE),
]
EDUCATION_WORDS = [  # highest first: a resume listing several degrees is read as its highest
    (Education.DOCTORATE, r"博士|Ph\.?\s?D|Doctor of|Doctorate"),
    (Education.MASTER, r"硕士|研究生|Master(?:'s)?\b|M\.Sc|MBA"),
    (Education.BACHELOR, r"本科|学士|Bachelor(?:'s)?\b|B\.Sc|B\.A\.|BSN"),
    (Education.ASSOCIATE, r"大专|专科|Associate(?:'s)? degree|college diploma"),
    (Education.SECONDARY, r"高中|中专|中技|high school|secondary school|vocational school"),
]
CREDENTIAL_WORDS = {
    CredentialType.NURSE_LICENCE: r"护士执业证书?|护士执业资格|nurs(?:e|ing)\s+(?:practising|practicing|practice)\s+(?:licen[cs]e|certificate)|registered nurse licen[cs]e",
    CredentialType.PHYSICIAN_LICENCE: r"医师执业证书?|physician\s+(?:practising|practicing)\s+licen[cs]e|medical licen[cs]e",
    CredentialType.PHYSICIAN_QUALIFICATION: r"医师资格证书?|physician qualification",
    CredentialType.PHARMACIST_LICENCE: r"执业药师|licensed pharmacist",
    CredentialType.BLS: r"\bBLS\b|基础生命支持",
    CredentialType.ACLS: r"\bACLS\b|高级心血管生命支持",
    CredentialType.FOOD_HYGIENE: r"健康证|food hygiene certificate|health certificate",
}
NAME_RES = [re.compile(r"姓\s*名\s*[:：]\s*([\u4e00-\u9fff·]{2,6})"), re.compile(r"\bName\s*[:：]\s*([A-Za-z][A-Za-z .'-]{1,60}?)\s*(?:\n|$)")]


def _snippet(text: str, start: int, end: int) -> str:
    piece = text[max(0, start - SNIPPET_CONTEXT): end + SNIPPET_CONTEXT]
    return re.sub(r"\s+", " ", piece).strip()


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def propose_fields(text: str, vocabulary: dict[str, str] | None = None) -> dict:
    """field -> {"value", "snippet"} for what could be read; ``vocabulary`` maps skill words to skill names."""
    proposed: dict = {}
    for regex in NAME_RES:
        if m := regex.search(text):
            proposed["name"] = {"value": m.group(1).strip(), "snippet": _snippet(text, m.start(), m.end())}
            break
    if m := EMAIL_RE.search(text):
        proposed["email"] = {"value": m.group(0).lower(), "snippet": _snippet(text, m.start(), m.end())}
    for m in PHONE_RE.finditer(text):
        try:
            phone = validate_phone(m.group(0))
        except ValidationError:
            continue
        proposed["phone"] = {"value": phone, "snippet": _snippet(text, m.start(), m.end())}
        break
    best = None
    for regex in YEARS_RES:
        for m in regex.finditer(text):
            years = int(m.group(1))
            if years <= 60 and (best is None or years > best[0]):
                best = (years, m)
    if best:
        proposed["years_experience"] = {"value": best[0], "snippet": _snippet(text, best[1].start(), best[1].end())}
    for level, pattern in EDUCATION_WORDS:
        if m := re.search(pattern, text, re.IGNORECASE):
            proposed["education"] = {"value": str(level), "snippet": _snippet(text, m.start(), m.end())}
            break
    skills = []
    lowered = text.lower()
    for word, name in sorted((vocabulary or {}).items(), key=lambda kv: -len(kv[0])):
        start = lowered.find(word)
        while start >= 0:
            end = start + len(word)
            # ASCII words must stand alone ("java" is not in "javascript"); Chinese has no spaces.
            before = lowered[start - 1] if start else " "
            after = lowered[end] if end < len(lowered) else " "
            if not (_is_word_char(word[0]) and _is_word_char(before)) and not (_is_word_char(word[-1]) and _is_word_char(after)):
                break
            start = lowered.find(word, start + 1)
        if start >= 0 and name not in {s["value"] for s in skills}:
            skills.append({"value": name, "snippet": _snippet(text, start, start + len(word))})
    if skills:
        proposed["skills"] = skills
    credentials = []
    for ctype, pattern in CREDENTIAL_WORDS.items():
        if m := re.search(pattern, text, re.IGNORECASE):
            credentials.append({"value": str(ctype), "snippet": _snippet(text, m.start(), m.end())})
    if credentials:
        proposed["credentials"] = credentials
    return proposed
