"""The evidence report laid out for A4 (R-NS-4): landscape, every column as wide as its longest word, so a
printed or extracted report reads "notification" and "+8613800138077", not "notificatio / n"."""

import datetime as dt
import io

import pytest
from django.utils import translation

from notifications import evidence

T0 = dt.datetime(2025, 5, 4, 2, 0, tzinfo=dt.UTC)
TRAIL = [
    ("notification", "sms", "delivered", "", "+8613800138077",
     "王芳您好：市第一人民医院邀请您于 2025-05-06 10:00 参加急诊科护士一面，地点：门诊楼 3 层 302 室。"),
    ("attempt:sent", "sms", "sent", "SM0123456789abcdef", "+8613800138077", "twilio 201"),
    ("receipt", "sms", "delivered", "SM0123456789abcdef", "+8613800138077", "MessageStatus=delivered"),
    ("action:link_open", "portal", "", "", "wangfang@example.org", "WeChat"),
    ("action:confirm", "portal", "", "", "wangfang@example.org", ""),
]
WHOLE = ["notification", "attempt:sent", "action:link_open", "action:confirm", "delivered", "portal",
         "SM0123456789abcdef", "+8613800138077", "wangfang@example.org", "MessageStatus=delivered"]


def _events():
    return [{"at": T0 + dt.timedelta(minutes=k), "kind": kind, "notification": 1234, "channel": channel,
             "status": status, "provider_id": provider, "to": to, "detail": detail}
            for k, (kind, channel, status, provider, to, detail) in enumerate(TRAIL)]


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _rows(events):
    return [[evidence._local(e["at"]), e["kind"], str(e["notification"]), e["channel"], e["status"],
             e["provider_id"], e["to"], e["detail"]] for e in events]


def test_r_ns_4_columns_are_at_least_their_longest_word_and_fill_the_a4_width():
    headers = [str(h) for h in evidence._headers()]
    rows = _rows(_events())
    widths = evidence.column_widths_cm(rows, headers, available_cm=26.7)
    assert sum(widths) == pytest.approx(26.7)
    for i, key in enumerate(evidence.COLUMNS):
        if key != "detail":
            longest = max(evidence._text_cm(w) for t in [headers[i]] + [r[i] for r in rows] for w in t.split())
            assert widths[i] >= longest, key
    assert widths[evidence.COLUMNS.index("detail")] >= evidence.DETAIL_MIN_CM


def test_r_ns_4_a_word_longer_than_its_cap_breaks_but_the_table_still_fits():
    rows = _rows(_events())
    rows[0][5] = "SM" + "0123456789abcdef" * 4  # a 66-character provider id
    widths = evidence.column_widths_cm(rows, [str(h) for h in evidence._headers()], available_cm=26.7)
    assert sum(widths) == pytest.approx(26.7) and widths[5] <= evidence.MAX_CM["provider_id"] + 1e-9


def test_r_ns_4_the_word_file_is_a4_landscape_with_the_widths_set():
    from docx import Document
    from docx.shared import Cm

    doc = Document(io.BytesIO(evidence.evidence_docx(_events(), title="通知证据：王芳", generated_by="hr")))
    section = doc.sections[0]
    assert (round(section.page_width / Cm(1), 1), round(section.page_height / Cm(1), 1)) == (29.7, 21.0)
    table = doc.tables[0]
    assert round(sum(c.width for c in table.columns) / Cm(1), 1) == 26.7


@pytest.mark.libreoffice
def test_r_ns_4_evidence_pdf_is_a4_landscape_and_its_columns_hold_whole_words():
    from pypdf import PdfReader

    from hrsys.core.documents import docx_to_pdf

    pdf = docx_to_pdf(evidence.evidence_docx(_events(), title="通知证据：王芳 (#77)", generated_by="hr"))
    assert pdf is not None
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, in points
    text = "".join(page.extract_text() for page in reader.pages)
    for word in WHOLE:  # line breaks left in: a word broken across lines fails here
        assert word in text, word
    assert "2025-05-04 10:00:00" in text  # Beijing time (02:00 UTC), one line
    for header in evidence._headers():
        assert str(header) in text
    assert "市第一人民医院邀请您" in text.replace("\n", "").replace(" ", "")
