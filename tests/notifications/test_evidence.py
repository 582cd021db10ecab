"""Evidence per recipient: the full trail, exported as CSV / DOCX with a SHA-256, logged, scoped (R-NS-4, R-SEC-1)."""

import hashlib
import io

import pytest
from django.test import Client

from hrsys.audit.models import AccessLog
from notifications.evidence import content_digest
from notifications.selectors import evidence_events
from notifications.services import candidate_action_record, twilio_callback_record
from tests.factories import PASSWORD
from tests.notifications.conftest import reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(fake_twilio, make_notification, org, users, client):
    from notifications.types import Recipient

    person = Recipient(type="candidates.candidate", id=77, name="王芳", phone="+8613800138077",
                       email="wf@example.org")
    sms = reload(make_notification(channel="sms", recipient=person, department=org.emergency, run=True))
    twilio_callback_record(params={"MessageSid": sms.provider_message_id, "MessageStatus": "delivered"})
    client.get(f"/l/{sms.links.first().token}", HTTP_USER_AGENT="WeChat")
    candidate_action_record(kind="confirm", channel="portal", notification=sms)
    other = make_notification(channel="email", department=org.it, run=True)
    return type("Trail", (), {"sms": sms, "other": other, "person": person})


def test_trail_holds_message_attempts_receipts_and_actions(trail, users):
    events = evidence_events(user=users.hr, recipient_type="candidates.candidate", recipient_id="77")
    kinds = [e["kind"] for e in events]
    assert kinds.count("notification") == 1
    assert {"attempt:sent", "receipt", "action:link_open", "action:confirm"} <= set(kinds)
    message = next(e for e in events if e["kind"] == "notification")
    assert "王芳" in message["detail"] and message["to"] == "+8613800138077"


def test_docx_export_has_the_content_hash_and_is_logged(trail, users, api_as):
    from docx import Document

    response = api_as(users.hr).get("/api/v1/notifications/evidence/",
                                    {"recipient_type": "candidates.candidate", "recipient_id": "77",
                                     "format": "docx"})
    assert response.status_code == 200
    events = evidence_events(user=users.hr, recipient_type="candidates.candidate", recipient_id="77")
    digest = content_digest(events)
    assert response["X-Evidence-SHA256"] == digest
    assert response["X-File-SHA256"] == hashlib.sha256(response.content).hexdigest()
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert digest in text
    cells = {c.text for row in document.tables[0].rows for c in row.cells}
    assert "link_open" in " ".join(cells) or "action:link_open" in cells
    log = AccessLog.objects.get(kind="export")
    assert log.actor == users.hr and log.object_type == "candidates.candidate" and log.object_id == "77"
    assert digest in log.detail


@pytest.mark.libreoffice
def test_pdf_export_for_keeping_R_NS_4(trail, users, api_as):
    """The same report as PDF (LibreOffice): text searchable, content hash inside, file hash in the log."""
    from pypdf import PdfReader

    response = api_as(users.hr).get("/api/v1/notifications/evidence/",
                                    {"recipient_type": "candidates.candidate", "recipient_id": "77", "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response["Content-Disposition"].endswith('.pdf"')
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert response["X-Evidence-SHA256"] in text.replace("\n", "")
    log = AccessLog.objects.get(kind="export")
    assert "pdf" in log.detail and hashlib.sha256(response.content).hexdigest() in log.detail


def test_pdf_without_libreoffice_is_a_clear_503(trail, users, api_as, settings):
    settings.SOFFICE_BINARY = "/nonexistent/soffice"
    response = api_as(users.hr).get("/api/v1/notifications/evidence/",
                                    {"recipient_type": "candidates.candidate", "recipient_id": "77", "format": "pdf"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "pdf_unavailable" and "DOCX" in response.json()["error"]["message"]
    assert not AccessLog.objects.filter(kind="export").exists()  # nothing handed out, nothing logged


def test_csv_export_and_hash_changes_with_content(trail, users, api_as):
    client = api_as(users.hr)
    params = {"recipient_type": "candidates.candidate", "recipient_id": "77", "format": "csv"}
    first = client.get("/api/v1/notifications/evidence/", params)
    text = first.content.decode("utf-8-sig")
    assert first["X-Evidence-SHA256"] in text and "action:confirm" in text
    candidate_action_record(kind="decline", channel="portal", notification=trail.sms)
    second = client.get("/api/v1/notifications/evidence/", params)
    assert second["X-Evidence-SHA256"] != first["X-Evidence-SHA256"]
    assert AccessLog.objects.filter(kind="export").count() == 2


def test_scope_manager_of_another_department_gets_404(trail, users, api_as):  # R-SEC-1
    params = {"recipient_type": "candidates.candidate", "recipient_id": "77"}
    assert api_as(users.er_manager).get("/api/v1/notifications/evidence/", params).status_code == 200
    it = api_as(users.it_manager)
    response = it.get("/api/v1/notifications/evidence/", params)
    assert response.status_code == 404
    assert it.get("/api/v1/notifications/evidence/", {**params, "recipient_id": "999"}).json() == response.json()
    assert it.get(f"/api/v1/notifications/{trail.sms.pk}/").status_code == 404
    assert it.get(f"/api/v1/notifications/{trail.other.pk}/").status_code == 200
    ids = [row["id"] for row in it.get("/api/v1/notifications/").json()["results"]]
    assert trail.sms.pk not in ids and trail.other.pk in ids
    assert not AccessLog.objects.filter(kind="export", actor=users.it_manager).exists()


def test_admin_scope_and_evidence_action(trail, users, org):  # R-SEC-1, R-NS-4
    from tests.factories import UserFactory

    UserFactory(username="hr_it", role="hr_staff", departments=[org.it])
    it = Client()
    it.login(username="hr_it", password=PASSWORD)
    assert it.get(f"/admin/notifications/notification/{trail.other.pk}/change/").status_code == 200
    assert it.get(f"/admin/notifications/notification/{trail.sms.pk}/change/").status_code == 404
    # a crafted POST naming another department's rows exports nothing of theirs
    response = it.post("/admin/notifications/notification/",
                       {"action": "export_evidence_docx", "_selected_action": [trail.sms.pk]})
    assert response.status_code in (200, 302) and "X-Evidence-SHA256" not in response
    hr = Client()
    hr.login(username="hr", password=PASSWORD)
    page = hr.get(f"/admin/notifications/notification/{trail.sms.pk}/change/")
    assert page.status_code == 200 and "WeChat" in page.content.decode()  # the open, in the trail
    response = hr.post("/admin/notifications/notification/",
                       {"action": "export_evidence_docx", "_selected_action": [trail.sms.pk]})
    assert response.status_code == 200 and response["X-Evidence-SHA256"]
    assert AccessLog.objects.filter(kind="export", actor=users.hr, channel="admin").exists()
    # PDF without LibreOffice: the admin says why and hands out nothing
    from django.test import override_settings

    with override_settings(SOFFICE_BINARY="/nonexistent/soffice"):
        response = hr.post("/admin/notifications/notification/",
                           {"action": "export_evidence_pdf", "_selected_action": [trail.sms.pk]}, follow=True)
    assert "X-Evidence-SHA256" not in response and "LibreOffice" in response.content.decode()
