"""Import the candidate lists HR keeps in Excel / CSV (R-PIPE-5).

``candidates_import`` always validates every row first and reports each bad one
(row number as Excel shows it, column, reason), duplicates included (within the
file and against existing candidates, by blind index). It writes only when asked
(``commit=True``) and, by default, only when every row is good: all or nothing.
``partial=True`` imports the good rows and reports the rest.
"""

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record

from . import services
from .models import Application, Candidate, Education, JobRequisition, SourceChannel

# header (as HR writes it, Chinese or English, case-insensitive) -> candidate field
HEADERS = {
    "name": "name", "姓名": "name", "phone": "phone", "mobile": "phone", "手机": "phone", "手机号": "phone",
    "电话": "phone", "email": "email", "邮箱": "email", "电子邮件": "email", "id_number": "id_number",
    "id number": "id_number", "身份证号": "id_number", "身份证": "id_number", "身份证号码": "id_number",
    "education": "education", "学历": "education", "years": "years_experience",
    "years_experience": "years_experience", "工作年限": "years_experience", "年限": "years_experience",
    "skills": "skills", "技能": "skills", "source": "source", "来源": "source", "渠道": "source",
}
EDUCATION_WORDS = {"博士": "doctorate", "硕士": "master", "研究生": "master", "本科": "bachelor", "学士": "bachelor",
                   "大专": "associate", "专科": "associate", "高中": "secondary", "中专": "secondary", "无": "none"}
SOURCE_WORDS = {"招聘网站": "job_board", "内推": "referral", "推荐": "referral", "校招": "campus", "校园招聘": "campus",
                "猎头": "agency", "中介": "agency", "现场": "walk_in", "官网": "website"}
MAX_ROWS = 20000


@dataclass
class ImportResult:
    rows: int = 0
    valid: int = 0
    errors: list[dict] = field(default_factory=list)
    committed: bool = False
    created: int = 0

    def as_dict(self) -> dict:
        return {"rows": self.rows, "valid": self.valid, "errors": self.errors, "committed": self.committed,
                "created": self.created}


def read_table(data: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, list]]]:
    """Header and ``(row number, cells)`` from an .xlsx or a CSV (UTF-8 with or without BOM, or GBK)."""
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook  # noqa: PLC0415 - heavy (0.2 s); loaded only for an .xlsx

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise ValidationError({"file": [_("The Excel file could not be read.")]})
        rows = [(i, list(r)) for i, r in enumerate(wb.active.iter_rows(values_only=True), start=1)]
    else:
        for encoding in ("utf-8-sig", "gbk"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": [_("The file is neither Excel (.xlsx) nor a CSV in UTF-8 or GBK.")]})
        if "\x00" in text:
            raise ValidationError({"file": [_("The file is neither Excel (.xlsx) nor a CSV in UTF-8 or GBK.")]})
        rows = [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text)), start=1)]
    rows = [(i, r) for i, r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        raise ValidationError({"file": [_("The file has no rows.")]})
    header = [str(c or "").strip() for c in rows[0][1]]
    return header, rows[1:]


def _map_header(header) -> dict[int, str]:
    mapping, unknown = {}, []
    for i, name in enumerate(header):
        key = HEADERS.get(name.lower())
        if key:
            mapping[i] = key
        elif name:
            unknown.append(name)
    errors = []
    if unknown:
        errors.append(_("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)})
    if "name" not in mapping.values():
        errors.append(_("The column 姓名 / name is missing."))
    if errors:
        raise ValidationError({"file": errors})
    return mapping


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _row_values(cells, mapping) -> dict:
    values = {}
    for i, key in mapping.items():
        raw = _cell(cells[i] if i < len(cells) else None)
        if key == "education":
            raw = EDUCATION_WORDS.get(raw, raw.lower()) if raw else Education.NONE
        elif key == "source":
            raw = SOURCE_WORDS.get(raw, raw.lower()) if raw else SourceChannel.IMPORT
        elif key == "years_experience" and raw == "":
            raw = "0"
        values[key] = raw
    values.setdefault("source", SourceChannel.IMPORT)
    return values


def candidates_import(*, actor, data: bytes, filename: str, job_id: int, commit: bool = False,
                      partial: bool = False, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validate (and with ``commit``, import) a candidate list into applications for one job."""
    services._require_perm(actor, "candidates.add_candidate")
    job_errors = {}
    try:
        job = services._job_for_application(actor, job_id)
    except ValidationError as exc:
        job_errors = exc.message_dict
    header, rows = read_table(data, filename)
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(n)s rows per file.") % {"n": MAX_ROWS}]})
    mapping = _map_header(header)
    if job_errors:
        raise ValidationError(job_errors)
    result = ImportResult(rows=len(rows))
    good: list[tuple[int, dict]] = []
    seen: dict[tuple[str, str], int] = {}
    for row_no, cells in rows:
        row_errors = []
        try:
            cleaned = services.clean_candidate_fields(_row_values(cells, mapping))
        except ValidationError as exc:
            row_errors = [{"row": row_no, "column": col, "reason": " ".join(msgs)}
                          for col, msgs in exc.message_dict.items()]
            cleaned = None
        if cleaned:
            for key in ("phone", "email", "id_number"):
                value = cleaned.get(key)
                if not value:
                    continue
                index = Candidate._meta.get_field(f"{key}_index").index_for(value)
                if (key, index) in seen:
                    row_errors.append({"row": row_no, "column": key,
                                       "reason": _("Same as row %(row)s.") % {"row": seen[(key, index)]}})
                else:
                    seen[(key, index)] = row_no
            dupes = services.find_duplicates(phone=cleaned.get("phone", ""), email=cleaned.get("email", ""),
                                             id_number=cleaned.get("id_number", ""))
            for d in dupes:
                for key in d["fields"]:
                    row_errors.append({"row": row_no, "column": key,
                                       "reason": _("A candidate with this value already exists (#%(id)s); merge or "
                                                   "apply them to the job instead.") % {"id": d["id"]}})
        if row_errors:
            result.errors.extend(row_errors)
        else:
            good.append((row_no, cleaned))
        if progress:
            progress(1)
    result.valid = len(good)
    if commit and good and (partial or not result.errors):
        result.created = _create(actor, job, good, filename)
        result.committed = True
    return result


@transaction.atomic
def _create(actor, job: JobRequisition, good, filename) -> int:
    candidates = [Candidate(**values) for _row, values in good]
    Candidate.objects.bulk_create(candidates, batch_size=500)
    apps = [Application(candidate=c, job=job, source=c.source, created_by=services._user(actor)) for c in candidates]
    Application.objects.bulk_create(apps, batch_size=500)
    audit_record(actor=actor, action="candidate.import", obj=job,
                 changes={"file": [None, filename[:100]], "candidates": [None, len(candidates)]})
    services.job_recompute_matches(job_id=job.pk)
    return len(candidates)
