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
import unicodedata

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


# A4 landscape with 1.5 cm margins leaves 26.7 cm for the table: eight columns need it (on portrait Letter, the
# python-docx default, "notification" broke into "notificatio / n"). Every column but the detail is sized to
# its longest word and, up to a cap, its longest value; the detail takes the rest. The time wraps before its
# zone; a 34-character Twilio SID is longer than any cap and wraps inside.
PAGE_MARGIN_CM = 1.5
CJK_FONT = "Noto Sans CJK SC"  # fonts-noto-cjk, installed in the Docker image
TABLE_FONT_PT = 8
CELL_PADDING_CM = 0.5  # Word's default cell margins (2 x 0.19 cm) and a little air
DETAIL_MIN_CM = 4.0
MAX_CM = {"at": 4.1, "kind": 3.6, "notification": 2.8, "channel": 2.2, "status": 2.6, "provider_id": 4.2,
          "to": 4.2}


def _text_cm(text: str) -> float:
    """Printed width of ``text`` at the table's font size: a CJK character is one em, others about 0.66 em
    (digits are 0.64 em in DejaVu Serif, which LibreOffice prints for the template's Latin font)."""
    em_cm = TABLE_FONT_PT / 72 * 2.54
    return sum(em_cm * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.66) for ch in text)


def column_widths_cm(rows: list[list[str]], headers: list[str], *, available_cm: float) -> list[float]:
    """Column widths in cm that keep every word whole where that fits: a column gets its longest value up to
    a cap, never less than its longest word (header included) unless that word alone passes the cap (a
    34-character provider id); the detail column, which wraps at will, gets the rest."""
    detail = COLUMNS.index("detail")
    want, floor = [], []
    for i, key in enumerate(COLUMNS):
        if i == detail:
            want.append(0.0)
            floor.append(0.0)
            continue
        texts = [str(headers[i])] + [r[i] for r in rows]
        word = max((_text_cm(w) for t in texts for w in t.split()), default=0) + CELL_PADDING_CM
        text = max((_text_cm(t) for t in texts), default=0) + CELL_PADDING_CM
        floor.append(min(word, MAX_CM[key]))
        want.append(max(floor[-1], min(text, MAX_CM[key])))
    room = available_cm - DETAIL_MIN_CM
    excess = sum(want) - room
    if excess > 0:  # wrap whole words first: shrink columns towards their longest word
        slack = sum(w - f for w, f in zip(want, floor, strict=True))
        share = min(1.0, excess / slack) if slack else 0.0
        want = [w - (w - f) * share for w, f in zip(want, floor, strict=True)]
    excess = sum(want) - room
    if excess > 0:  # still too wide: only now do words break
        total = sum(want)
        want = [w - excess * w / total for w in want]
    want[detail] = available_cm - sum(want)
    return want


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement  # noqa: PLC0415 - python-docx is heavy (0.1 s); loaded only when an export is built
    from docx.oxml.ns import qn  # noqa: PLC0415 - python-docx is heavy (0.1 s); loaded only when an export is built

    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _chinese_defaults(doc) -> None:
    """East Asian text tagged as Chinese and set in a Simplified Chinese face (the python-docx template
    leaves the font to a theme and tags it en-US), so Word and LibreOffice choose Chinese glyph forms."""
    from docx.oxml.ns import qn  # noqa: PLC0415 - python-docx is heavy (0.1 s); loaded only when an export is built

    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
    fonts.set(qn("w:eastAsia"), CJK_FONT)
    defaults.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")


def evidence_docx(events: list[dict], *, title: str, generated_by: str) -> bytes:
    from docx import Document  # noqa: PLC0415 - python-docx is heavy (0.1 s); loaded only when an export is built
    from docx.enum.section import WD_ORIENT  # noqa: PLC0415 - python-docx is heavy (0.1 s); loaded only when an export is built
    from docx.shared import Cm, Pt  # noqa: PLC0415 - python-docx is heavy (0.1 s); loaded only when an export is built

    doc = Document()
    _chinese_defaults(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(PAGE_MARGIN_CM))
    doc.add_heading(title, level=1)
    doc.add_paragraph(_("Generated %(when)s by %(who)s.") % {"when": _local(timezone.now()), "who": generated_by})
    doc.add_paragraph(_("Content SHA-256: %(digest)s") % {"digest": content_digest(events)})
    doc.add_paragraph(_("%(count)d events: every message with its content, every delivery attempt, every "
                        "provider receipt and every action of the recipient.") % {"count": len(events)})
    headers = [str(h) for h in _headers()]
    rows = [[_local(e["at"]), e["kind"], str(e["notification"] or ""), e["channel"], e["status"],
             e["provider_id"], e["to"], e["detail"]] for e in events]
    rows = [[str(v) for v in r] for r in rows]
    widths = [Cm(w) for w in column_widths_cm(rows, headers, available_cm=29.7 - 2 * PAGE_MARGIN_CM)]
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.autofit = False
    _repeat_header(table.rows[0])
    for values in [headers, *rows]:
        cells = table.rows[0].cells if values is headers else table.add_row().cells
        for cell, value, width in zip(cells, values, widths, strict=True):
            cell.width = width
            cell.text = value
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(TABLE_FONT_PT)
                    run.font.bold = values is headers
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
