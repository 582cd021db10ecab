"""Vervoe's report (``integrationCandidateCardUrl``): its link in the result API, and a copy fetched by the
worker with the recordings into encrypted storage, from the vendor's media hosts only, listed in ``media`` and
streamed in scope with every view logged (R-AI-6)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hrsys.audit.models import AccessLog
from interviews.ai import services
from interviews.ai.models import AIMedia
from tests.ai_interviews.conftest import vervoe_headers
from tests.ai_interviews.factories import ApplicationFactory, InvitationFactory

REPORT = b"%PDF-1.4 Vervoe candidate card: scores and answers"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
UUID = "cbb3e136-ef30-4452-955b-1835a79caa65"


class VervoeCards(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.paths.append(self.path)
        if self.path != "/cards/cbb3e136":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(REPORT)))
        self.end_headers()
        self.wfile.write(REPORT)

    def log_message(self, *args):
        pass


@pytest.fixture
def vervoe_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), VervoeCards)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def vervoe_invited(er_job, vervoe_vendor, settings):
    settings.AI_MEDIA_HTTP_HOSTS = ["127.0.0.1"]
    settings.AI_MEDIA_ALLOW_PRIVATE_HOSTS = ["127.0.0.1"]
    vervoe_vendor.media_url_hosts = ["127.0.0.1"]
    vervoe_vendor.save()
    app = ApplicationFactory(job=er_job, state="ai_invited")
    InvitationFactory(application=app, vendor=vervoe_vendor, assessment_id=UUID)
    return app


def _post_vervoe(post_result, card_url: str):
    data = json.loads((FIXTURES / "vervoe_report_webhook.json").read_bytes())
    data["integrationCandidateCardUrl"] = card_url
    body = json.dumps(data).encode()
    return post_result(body, raw=True, vendor="vervoe", headers=vervoe_headers(body))


def test_r_ai_6_vervoe_report_link_in_result_api_and_fetched_into_encrypted_storage(
        vervoe_invited, vervoe_server, post_result, worker, users, api_as):
    """R-AI-6: the report link appears in the result API; the worker that fetches recordings stores the
    report encrypted; the result lists it in ``media`` and it streams in scope, the view logged."""
    card = f"http://127.0.0.1:{vervoe_server.server_address[1]}/cards/cbb3e136"
    assert _post_vervoe(post_result, card).status_code == 202
    assert vervoe_server.paths == []  # nothing fetched before the worker runs the download task
    worker.run()
    assert vervoe_server.paths == ["/cards/cbb3e136"]
    report = AIMedia.objects.get()
    assert (report.kind, report.status, report.size, report.content_type) == \
        ("report", "stored", len(REPORT), "application/pdf")
    on_disk = Path(report.file.path).read_bytes()
    assert REPORT not in on_disk and b"Vervoe candidate card" not in on_disk
    assert report.file.storage.read_plain(report.file.name) == REPORT

    response = api_as(users.hr).get(f"/api/v1/ai-interviews/applications/{vervoe_invited.pk}/result/")
    assert response.status_code == 200
    body = response.json()
    assert body["report_url"] == card
    assert body["media"] == [{"id": report.pk, "kind": "report", "status": "stored",
                              "url": f"/api/v1/ai-interviews/media/{report.pk}/"}]
    stream = api_as(users.hr).get(body["media"][0]["url"])
    assert stream.status_code == 200 and stream.content == REPORT
    assert AccessLog.objects.filter(object_type="ai_interviews.aimedia", object_id=str(report.pk),
                                    actor=users.hr).count() == 1
    assert api_as(users.it_manager).get(body["media"][0]["url"]).status_code == 404


def test_r_ai_6_vervoe_report_outside_the_media_hosts_is_refused_and_listed_as_failed(
        vervoe_invited, vervoe_vendor, vervoe_server, post_result, worker, users, api_as):
    """R-AI-6, R-SEC-1: a report link on a host the vendor's media hosts do not name is never fetched; the
    result API still gives the link and lists the report as failed."""
    vervoe_vendor.media_url_hosts = ["media.vervoe.com"]
    vervoe_vendor.save()
    card = f"http://127.0.0.1:{vervoe_server.server_address[1]}/cards/cbb3e136"
    assert _post_vervoe(post_result, card).status_code == 202
    worker.run()
    assert vervoe_server.paths == []
    report = AIMedia.objects.get()
    assert report.status == "failed" and report.error.startswith("Refused") and not report.file
    body = api_as(users.hr).get(f"/api/v1/ai-interviews/applications/{vervoe_invited.pk}/result/").json()
    assert body["report_url"] == card
    assert body["media"] == [{"id": report.pk, "kind": "report", "status": "failed", "url": None}]


def test_r_ai_6_a_report_page_served_from_our_origin_runs_no_script(
        vervoe_invited, post_result, worker, users, api_as):
    """R-AI-6, R-SEC-1: a report stored as HTML (a vendor's card page) streams under a sandbox policy, so its
    scripts never run with our origin; recordings and PDFs play inline without it."""

    assert _post_vervoe(post_result, "https://cards.invalid/x").status_code == 202
    result = vervoe_invited.ai_results.get()
    page = services.ai_media_upload(actor=users.hr, result_id=result.pk, kind="report",
                                    data=b"<script>alert(1)</script>", content_type="text/html")
    response = api_as(users.hr).get(f"/api/v1/ai-interviews/media/{page.pk}/")
    assert response.status_code == 200 and response["Content-Security-Policy"].startswith("sandbox")
    pdf = services.ai_media_upload(actor=users.hr, result_id=result.pk, kind="report", data=REPORT,
                                   content_type="application/pdf")
    assert "Content-Security-Policy" not in api_as(users.hr).get(f"/api/v1/ai-interviews/media/{pdf.pk}/")
