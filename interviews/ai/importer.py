"""Bulk import of AI interview results from the Excel / CSV files vendors export (R-AI-3).

Every row goes through the same validation as a webhook delivery (the generic
format's serializer, the vendor's dimension mapping and scale, known assessment
ids). Errors are reported per row and column; nothing is written unless every
row is good (all or nothing). Rows already imported (same result id) count as
duplicates and change nothing, so the same file can be imported twice.

Columns (English or Chinese header, case-insensitive): assessment_id, result_id
(default: the assessment id), overall_score, recommendation, completed_at,
report_url, video_url, audio_url, transcript, expected_salary (CNY per month),
earliest_start_date, and one column per vendor dimension: ``dim:<vendor key>``,
``维度:<key>``, or the bare vendor key of the vendor's mapping. Other columns
(name, phone ...) are ignored and listed.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.importer import read_table
from hrsys.audit.services import audit_record

from . import mapping, services
from .adapters.base import PayloadError
from .adapters.generic import parse_generic_data
from .models import AIInterviewResult, AIInvitation

HEADERS = {
    "assessment_id": ("assessment_id", "assessment id", "测评编号", "测评id", "面试编号", "邀请编号"),
    "result_id": ("result_id", "result id", "结果编号", "报告编号"),
    "overall_score": ("overall_score", "overall", "总分", "综合得分", "综合评分"),
    "recommendation": ("recommendation", "推荐", "结论", "推荐结论"),
    "completed_at": ("completed_at", "completed at", "完成时间"),
    "started_at": ("started_at", "started at", "开始时间"),
    "report_url": ("report_url", "report", "报告链接"),
    "video_url": ("video_url", "video", "视频链接"),
    "audio_url": ("audio_url", "audio", "音频链接"),
    "transcript": ("transcript", "转写", "文字记录"),
    "expected_salary": ("expected_salary", "期望薪资", "期望月薪"),
    "earliest_start_date": ("earliest_start_date", "最早到岗日期", "到岗日期"),
}
DIMENSION_PREFIXES = ("dim:", "dimension:", "维度:", "维度：")
MAX_ROWS = 10000


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    errors: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    committed: bool = False
    created: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict:
        return {"rows": self.rows, "valid": self.valid, "errors": self.errors,
                "ignored_columns": self.ignored_columns, "preview": self.preview, "committed": self.committed,
                "created": self.created, "duplicates": self.duplicates}


def _columns(header: list[str], vendor, adapter) -> tuple[dict[int, str], list[str]]:
    """column index -> canonical name ("dim:<vendor key>" for dimensions); and the ignored headers."""
    aliases = {}
    for canonical, names in HEADERS.items():
        for name in (*names, *adapter.import_aliases.get(canonical, ())):
            aliases[name.strip().lower()] = canonical
    vendor_dims = {m["vendor"].lower(): m["vendor"] for m in vendor.dimension_map or []}
    found, ignored = {}, []
    for i, raw in enumerate(header):
        name = raw.strip()
        low = name.lower()
        prefix = next((p for p in DIMENSION_PREFIXES if low.startswith(p)), None)
        if low in aliases:
            found[i] = aliases[low]
        elif prefix:
            found[i] = "dim:" + name[len(prefix):].strip()
        elif low in vendor_dims:
            found[i] = "dim:" + vendor_dims[low]
        elif name:
            ignored.append(name)
    return found, ignored


def _cell(value):
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)  # the sheet shows local time (Asia/Shanghai)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def _number(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return value  # the serializer names it


def _row_data(columns: dict[int, str], cells: list) -> tuple[dict, dict[str, str]]:
    """The row in the generic format, and field path -> column header (for error reports)."""
    data: dict = {"event": "result"}
    origin: dict[str, str] = {}
    for i, name in columns.items():
        value = _cell(cells[i]) if i < len(cells) else None
        if value in (None, ""):
            continue
        if name.startswith("dim:"):
            key = name[4:]
            data.setdefault("dimensions", {})[key] = _number(value)
            origin[f"dimensions.{key}"] = name
        elif name in ("report_url", "video_url", "audio_url"):
            data.setdefault("media", {})[name] = value
            origin[f"media.{name}"] = name
        elif name == "expected_salary":
            data.setdefault("preferences", {})["expected_salary"] = {"amount": _number(value), "currency": "CNY",
                                                                     "period": "month"}
            origin["preferences.expected_salary.amount"] = name
        elif name == "earliest_start_date":
            data.setdefault("preferences", {})["earliest_start_date"] = str(value)[:10]
            origin["preferences.earliest_start_date"] = name
        elif name == "overall_score":
            data[name] = _number(value)
        else:
            data[name] = str(value) if not isinstance(value, str) else value
    if "assessment_id" in data and "result_id" not in data and "result_id" not in columns.values():
        data["result_id"] = data["assessment_id"]
    return data, origin


def ai_results_import(*, actor, vendor, data: bytes, filename: str = "", commit: bool = False,
                      progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Validate every row (report ``{"row", "column", "reason"}`` for each problem); with ``commit`` and no
    errors, store all rows in one transaction (R-AI-3). ``progress(done, total)`` is called per row."""
    services._require(actor, services.MOVE_PERMISSION)
    adapter = vendor.adapter_instance()
    header, rows = read_table(data, filename)
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(n)s rows per file.") % {"n": MAX_ROWS}]})
    columns, ignored = _columns(header, vendor, adapter)
    report = ImportReport(rows=len(rows), ignored_columns=ignored)
    if "assessment_id" not in columns.values():
        report.errors.append({"row": 1, "column": "assessment_id", "reason": _("The file has no assessment id column.")})
        return report
    header_of = {name: header[i] for i, name in columns.items()}
    user = services._user(actor)  # staff import only the invitations of their scope (R-SEC-1)
    scoped = AIInvitation.objects.for_user(user) if user is not None else AIInvitation.objects.all()
    invitations = {inv.assessment_id: inv for inv in scoped.filter(vendor=vendor).select_related("application__job")}
    known_results = set(AIInterviewResult.objects.filter(vendor=vendor).values_list("vendor_result_id", flat=True))
    seen: dict[str, int] = {}
    parsed_rows = []
    total = len(rows)
    for done, (row_no, cells) in enumerate(rows, start=1):
        row_data, origin = _row_data(columns, list(cells))
        errors = []
        try:
            parsed = parse_generic_data(row_data)
            invitation = invitations.get(parsed.assessment_id)
            if invitation is None:
                raise PayloadError(_("Unknown assessment id %(id)s.") % {"id": parsed.assessment_id},
                                   fields={"assessment_id": [_("No invitation of this vendor has it.")]})
            mapping.map_scores(vendor, parsed.overall, parsed.dimensions)
            if parsed.vendor_result_id in seen:
                raise PayloadError(_("Result id %(id)s is also in row %(row)s.")
                                   % {"id": parsed.vendor_result_id, "row": seen[parsed.vendor_result_id]},
                                   fields={"result_id": [_("Result id %(id)s is also in row %(row)s.")
                                                         % {"id": parsed.vendor_result_id,
                                                            "row": seen[parsed.vendor_result_id]}]})
            seen[parsed.vendor_result_id] = row_no
        except PayloadError as exc:
            for path, messages in (exc.fields or {"body": [exc.message]}).items():
                name = origin.get(path, path.split(".")[0].split("[")[0])
                column = header_of.get(name, name)
                errors.extend({"row": row_no, "column": column, "reason": m} for m in messages)
        if errors:
            report.errors.extend(errors)
        else:
            report.valid += 1
            parsed_rows.append((row_no, row_data, parsed))
            if len(report.preview) < 20:
                overall, dims, _unmapped = mapping.map_scores(vendor, parsed.overall, parsed.dimensions)
                report.preview.append({"row": row_no, "assessment_id": parsed.assessment_id,
                                       "result_id": parsed.vendor_result_id, "overall_score": overall,
                                       "dimensions": {k: v["score"] for k, v in dims.items()},
                                       "duplicate": parsed.vendor_result_id in known_results})
        if progress:
            progress(done, total)
    if not commit or report.errors:
        return report
    file_hash = hashlib.sha256(data).hexdigest()[:32]
    with transaction.atomic():
        for row_no, row_data, parsed in parsed_rows:
            body = json.dumps(row_data, ensure_ascii=False, default=str).encode()
            _delivery, created = services.ai_delivery_ingest(
                vendor=vendor, parsed=parsed, body=body, headers={"file": filename[:200], "row": row_no},
                delivery_key=f"import:{file_hash}:{row_no}", source="import")
            if created:
                report.created += 1
            else:
                report.duplicates += 1

        audit_record(actor=actor, action="ai_result.import", obj=vendor,
                     changes={"file": [None, filename[:200]], "rows": [None, report.rows],
                              "created": [None, report.created]})
    report.committed = True
    return report
