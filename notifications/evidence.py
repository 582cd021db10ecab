"""The evidence report: everything sent to one person and everything they did (R-NS-4).

The SHA-256 printed in the report is over its canonical content (the events as
JSON), so anyone can recompute it from the CSV or the database; the digest of the
file itself goes to the response header and the access log. The CSV is written through
``hrsys.core.exports.csv_writer`` (R-SEC-2): a value starting with ``= + - @``, a tab or a carriage
return (a phone number ``+86...``, a provider's error text) carries a leading ``'`` there, which is
not part of the content the digest covers.
"""

import hashlib
import io
import json

from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.core.exports import csv_writer

COLUMNS = ["at", "kind", "notification", "channel", "status", "provider_id", "to", "detail"]


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z") if value else ""


def canonical(events: list[dict]) -> bytes:
    rows = [{k: (e[k].isoformat() if k == "at" else e[k]) for k in COLUMNS} for e in events]
    return json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str).encode()


def content_digest(events: list[dict]) -> str:
    return hashlib.sha256(canonical(events)).hexdigest()


def _headers():
    return [_("Time"), _("Event"), _("Notification"), _("Channel"), _("Status"), _("Provider id"), _("To"),
            _("Detail")]


def evidence_csv(events: list[dict], *, title: str) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv_writer(out)
    writer.writerow([title])
    writer.writerow([_("Content SHA-256"), content_digest(events)])
    writer.writerow(_headers())
    for e in events:
        writer.writerow([_local(e["at"]), e["kind"], e["notification"] or "", e["channel"], e["status"],
                         e["provider_id"], e["to"], e["detail"]])
    return out.getvalue().encode("utf-8")


def evidence_docx(events: list[dict], *, title: str, generated_by: str) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.add_heading(title, level=1)
    doc.add_paragraph(_("Generated %(when)s by %(who)s.") % {"when": _local(timezone.now()), "who": generated_by})
    doc.add_paragraph(_("Content SHA-256: %(digest)s") % {"digest": content_digest(events)})
    doc.add_paragraph(_("%(count)d events: every message with its content, every delivery attempt, every "
                        "provider receipt and every action of the recipient.") % {"count": len(events)})
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, _headers(), strict=True):
        cell.text = str(header)
    for e in events:
        cells = table.add_row().cells
        values = [_local(e["at"]), e["kind"], str(e["notification"] or ""), e["channel"], e["status"],
                  e["provider_id"], e["to"], e["detail"]]
        for cell, value in zip(cells, values, strict=True):
            cell.text = str(value)
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
