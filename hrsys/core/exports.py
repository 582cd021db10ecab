"""Export any list as CSV or Excel, within the viewer's scope, logged (R-DASH-4, R-SEC-3).

Callers pass a queryset that already went through ``for_user``; this module
streams it and writes one AccessLog row naming what was exported and how many rows.
"""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from hrsys.audit.services import access_log

Column = tuple[str, Callable[[object], object]]

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


class _Echo:
    def write(self, value):
        return value


def _csv_stream(columns: Sequence[Column], rows: Iterable):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel opens UTF-8 Chinese text correctly only with it
    yield writer.writerow([str(header) for header, _ in columns])
    for row in rows:
        yield writer.writerow([_cell(get(row)) for _, get in columns])


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
        ws.append([str(header) for header, _ in columns])
        for row in iterator:
            ws.append([_cell(get(row)) for _, get in columns])
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
