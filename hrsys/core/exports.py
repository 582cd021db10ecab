"""Export any list as CSV or Excel, within the viewer's scope, logged (R-DASH-4, R-SEC-3).

Callers pass a queryset that already went through ``for_user``; this module
streams it and writes one AccessLog row naming what was exported and how many rows.

Every CSV or Excel file the system writes goes through :func:`cell_value` (R-SEC-2, R-INT-1): a
text that starts with ``= + - @``, a tab or a carriage return would be run as a formula by Excel,
WPS or LibreOffice (a candidate named ``=HYPERLINK("http://evil.example/","x")``), so it is
written with a leading ``'`` (OWASP "CSV injection"), and in Excel also as an explicit string
cell, never a formula. Real numbers (``int``, ``float``, ``Decimal``, negative ones too) stay
numbers. Writers: :func:`export_response` (lists, admin actions, dashboards, attendance reports)
and :func:`csv_writer` (files with a free layout, e.g. the notification evidence report).
"""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from hrsys.audit.services import access_log

Column = tuple[str, Callable[[object], object]]

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula (R-SEC-2)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell_value(value):
    """The one conversion of an exported value (R-SEC-2, R-INT-1): ``None`` and real numbers as they
    are, aware datetimes in local time without zone (Excel has none), everything else as text that
    can never be a formula."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, int | float | Decimal):
        return value
    return neutralize(str(value))


class SafeCsvWriter:
    """``csv.writer`` whose every cell went through :func:`cell_value` (R-SEC-2)."""

    def __init__(self, fileobj, **fmtparams):
        self._writer = csv.writer(fileobj, **fmtparams)

    def writerow(self, values: Iterable):
        return self._writer.writerow([cell_value(v) for v in values])

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def csv_writer(fileobj, **fmtparams) -> SafeCsvWriter:
    """The only way hrsys writes CSV: like ``csv.writer``, with formula-looking text neutralised."""
    return SafeCsvWriter(fileobj, **fmtparams)


def xlsx_cell(ws, value) -> WriteOnlyCell:
    """A cell for a write-only sheet: text is an explicit string cell (never a formula, never an error
    code), prefixed like the CSV so saving the sheet again as CSV stays safe (R-SEC-2)."""
    value = cell_value(value)
    if not isinstance(value, str):
        return WriteOnlyCell(ws, value=value)
    text = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters Excel refuses (openpyxl raises)
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if text.startswith("'"):
        cell.quotePrefix = True  # Excel's own "this cell is text" mark, kept when the cell is edited
    return cell


class _Echo:
    def write(self, value):
        return value


def _csv_stream(columns: Sequence[Column], rows: Iterable):
    writer = csv_writer(_Echo())
    yield "\ufeff"  # BOM: Excel opens UTF-8 Chinese text correctly only with it
    yield writer.writerow([header for header, _ in columns])
    for row in rows:
        yield writer.writerow([get(row) for _, get in columns])


def export_response(*, actor, rows, columns: Sequence[Column], fmt: str, basename: str, object_type: str,
                    detail: str = "", channel: str = "admin", count: int | None = None):
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv or xlsx")
    if count is None:
        count = rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)
    access_log(actor=actor, kind="export", obj=(object_type, ""),
               detail=f"{fmt} {count} rows {detail}".strip(), channel=channel)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{basename}-{stamp}.{fmt}"
    iterator = rows.iterator(chunk_size=2000) if hasattr(rows, "iterator") else rows
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(columns, iterator), content_type=FORMATS["csv"])
    else:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(basename[:31])
        ws.append([xlsx_cell(ws, header) for header, _ in columns])
        for row in iterator:
            ws.append([xlsx_cell(ws, get(row)) for _, get in columns])
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
