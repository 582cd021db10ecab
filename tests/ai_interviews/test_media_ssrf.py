"""Vendor media URLs cannot aim the worker at our own network (R-SEC-1, R-AI-6).

A correctly signed webhook names ``media.video_url``; the worker downloads it with the vendor's API key.
Every refusal below is checked against a real listener socket on 127.0.0.1 that must receive nothing
(not even a TCP connection), and the media row must say why it failed.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from hrsys.audit.models import AuditEvent
from hrsys.core import safe_http
from interviews.ai import tasks as ai_tasks
from interviews.ai.models import AIInterviewResult, AIMedia, Vendor
from tests.ai_interviews.conftest import vervoe_headers
from tests.ai_interviews.factories import ApplicationFactory, InvitationFactory
from tests.ai_interviews.test_ingest import result_body

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"recording-bytes" * 100
API_KEY = "vendor-api-key-5f1e9c"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class Server(ThreadingHTTPServer):
    """A local HTTP server that records every TCP connection it accepts and every request it answers."""

    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.connections: list[tuple] = []
        self.requests: list[dict] = []
        self.redirect_to = ""

    def verify_request(self, request, client_address):
        self.connections.append(client_address)
        return True

    @property
    def port(self) -> int:
        return self.server_address[1]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.requests.append({"path": self.path, "headers": dict(self.headers.items())})
        if self.server.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(VIDEO)))
        self.end_headers()
        self.wfile.write(VIDEO)

    def log_message(self, *args):
        pass


def _serve():
    server = Server(Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def listener():
    """The internal service an attacker would aim at: it must receive nothing."""
    server, thread = _serve()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def vendor_server():
    """A second local server playing the vendor's allowed media host."""
    server, thread = _serve()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def vendor(generic_vendor):
    generic_vendor.api_key = API_KEY
    generic_vendor.save()
    return generic_vendor


def deliver(post_result, worker, url, **body):
    """A correctly signed result naming ``url`` as the video; the worker then runs the download task."""
    response = post_result(result_body(media={"video_url": url}, **body))
    assert response.status_code == 202, response.content
    worker.run()
    return AIMedia.objects.get(result__vendor_result_id=body.get("result_id", "R-1"))


def assert_untouched(server):
    assert server.connections == [] and server.requests == []


def allow(settings, vendor, *, hosts=(), http=(), private=()):
    vendor.media_url_hosts = list(hosts)
    vendor.save()
    settings.AI_MEDIA_HTTP_HOSTS = list(http)
    settings.AI_MEDIA_ALLOW_PRIVATE_HOSTS = list(private)


# -- refused: the listener receives nothing ---------------------------------------------------------------

def test_r_sec_1_loopback_url_with_empty_allow_list_is_refused(invited, vendor, post_result, worker, listener,
                                                               settings):
    """R-SEC-1: an empty media host list refuses every download (it used to mean "any host")."""
    allow(settings, vendor, http=["127.0.0.1"], private=["127.0.0.1"])
    media = deliver(post_result, worker, f"http://127.0.0.1:{listener.port}/media/R-1.mp4")
    assert_untouched(listener)
    assert media.status == AIMedia.Status.FAILED and not media.file
    assert media.error.startswith("Refused:") and "list of allowed hosts is empty" in media.error


def test_r_sec_1_loopback_in_the_allow_list_is_still_refused_without_the_private_setting(
        invited, vendor, post_result, worker, listener, settings):
    """R-SEC-1: naming 127.0.0.1 as a media host is not enough: loopback needs AI_MEDIA_ALLOW_PRIVATE_HOSTS."""
    allow(settings, vendor, hosts=["127.0.0.1"], http=["127.0.0.1"])
    media = deliver(post_result, worker, f"http://127.0.0.1:{listener.port}/media/R-1.mp4")
    assert_untouched(listener)
    assert media.status == AIMedia.Status.FAILED
    assert "127.0.0.1 resolves to 127.0.0.1, a loopback address" in media.error


def test_r_sec_1_http_scheme_is_refused(invited, vendor, post_result, worker, listener, settings):
    """R-SEC-1: https only; http only for hosts in the test setting AI_MEDIA_HTTP_HOSTS."""
    allow(settings, vendor, hosts=["127.0.0.1"], private=["127.0.0.1"])
    media = deliver(post_result, worker, f"http://127.0.0.1:{listener.port}/media/R-1.mp4")
    assert_untouched(listener)
    assert media.status == AIMedia.Status.FAILED and "Only https URLs are fetched" in media.error


def test_r_sec_1_redirect_from_the_allowed_host_to_another_host_is_not_followed(
        invited, vendor, post_result, worker, listener, vendor_server, settings):
    """R-SEC-1: the allowed vendor host answers 302 to http://localhost:<listener>/: the redirect is validated
    like the first URL and refused; only the allowed host was contacted."""
    allow(settings, vendor, hosts=["127.0.0.1"], http=["127.0.0.1"], private=["127.0.0.1"])
    vendor_server.redirect_to = f"http://localhost:{listener.port}/latest/meta-data/"
    media = deliver(post_result, worker, f"http://127.0.0.1:{vendor_server.port}/media/R-1.mp4")
    assert [r["path"] for r in vendor_server.requests] == ["/media/R-1.mp4"]
    assert_untouched(listener)
    assert media.status == AIMedia.Status.FAILED
    assert "Redirect refused" in media.error and "localhost is not in the list of allowed hosts" in media.error


def test_r_sec_1_redirect_to_a_loopback_ip_is_refused(invited, vendor, post_result, worker, listener,
                                                      vendor_server, settings):
    """R-SEC-1: an allowed host (not exempt from the address check) redirects to another allowed name that
    resolves to loopback: refused at the address check, before any connection."""
    allow(settings, vendor, hosts=["127.0.0.1", "localhost"], http=["127.0.0.1", "localhost"],
          private=["127.0.0.1"])
    vendor_server.redirect_to = f"http://localhost:{listener.port}/admin"
    media = deliver(post_result, worker, f"http://127.0.0.1:{vendor_server.port}/media/R-1.mp4")
    assert len(vendor_server.requests) == 1
    assert_untouched(listener)
    assert media.status == AIMedia.Status.FAILED and "localhost resolves to" in media.error


def test_r_sec_1_a_name_resolving_to_loopback_is_refused(invited, vendor, post_result, worker, listener,
                                                         settings):
    """R-SEC-1: localhost is a name, but resolves to 127.0.0.1: refused even when it is a listed media host."""
    allow(settings, vendor, hosts=["localhost"], http=["localhost"])
    media = deliver(post_result, worker, f"http://localhost:{listener.port}/media/R-1.mp4")
    assert_untouched(listener)
    assert media.status == AIMedia.Status.FAILED and "localhost resolves to" in media.error
    assert "loopback address" in media.error


def test_r_sec_1_a_name_not_allowed_is_refused_before_any_lookup(invited, vendor, post_result, worker, listener,
                                                                 settings, monkeypatch):
    """R-SEC-1: localhost is not a listed host: refused without even resolving it."""
    allow(settings, vendor, hosts=["media.vendor.example"], http=["localhost"], private=["localhost"])
    looked_up = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: looked_up.append(a) or [])
    media = deliver(post_result, worker, f"http://localhost:{listener.port}/media/R-1.mp4")
    assert_untouched(listener)
    assert looked_up == []
    assert media.status == AIMedia.Status.FAILED and "localhost is not in the list of allowed hosts" in media.error


def test_r_sec_1_a_name_with_one_private_answer_among_public_ones_is_refused(
        invited, vendor, post_result, worker, listener, settings, monkeypatch):
    """R-SEC-1: every DNS answer must be public, not just the first (a connection could pick any)."""
    allow(settings, vendor, hosts=[".vendor.example"])
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "media.vendor.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))
    media = deliver(post_result, worker, f"https://media.vendor.example:{listener.port}/media/R-1.mp4")
    assert connects == []
    assert_untouched(listener)
    assert "resolves to 127.0.0.1, a loopback address" in media.error


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "ftp://127.0.0.1/x",
    "https://user:pw@media.vendor.example/x.mp4",
])
def test_r_sec_1_other_schemes_and_credentials_in_urls_are_refused(url):
    with pytest.raises(safe_http.Refused):
        safe_http.check_url(url, allowed_hosts=["media.vendor.example", "127.0.0.1"])


# -- refusal is recorded, visible, final and idempotent ---------------------------------------------------

def test_r_sec_1_refusal_is_recorded_audited_visible_to_hr_and_the_task_is_idempotent(
        invited, vendor, post_result, worker, listener, settings, client, users):
    """R-SEC-1, R-AI-6: the task returns (no crash, no retry), the row says why, HR sees it in the admin,
    and running the task again changes nothing."""
    media = deliver(post_result, worker, f"http://127.0.0.1:{listener.port}/media/R-1.mp4")
    assert [(name, status) for name, _id, status in worker.done if name == "fetch_media"] == \
        [("fetch_media", AIMedia.Status.FAILED)]
    assert media.attempts == 1
    audits = AuditEvent.objects.filter(action="ai_media.refused", object_id=str(media.pk))
    assert audits.count() == 1
    # again (a duplicate task, a manual re-run): still failed, no second attempt, nothing contacted
    assert ai_tasks.fetch_media.run(media.pk) == AIMedia.Status.FAILED
    media.refresh_from_db()
    assert media.attempts == 1 and audits.count() == 1
    assert_untouched(listener)
    client.force_login(users.er_manager)
    page = client.get(f"/admin/ai_interviews/aiinterviewresult/{media.result_id}/change/").content.decode()
    assert "Download failed" in page and "list of allowed hosts is empty" in page


# -- allowed: the listener gets exactly what it should -----------------------------------------------------

def test_r_sec_1_allowed_host_gets_the_request_with_the_api_key_and_media_is_stored(
        invited, vendor, post_result, worker, listener, settings):
    """R-SEC-1, R-AI-6: a host allowed by the vendor and by the test settings is fetched, with the API key."""
    allow(settings, vendor, hosts=["127.0.0.1"], http=["127.0.0.1"], private=["127.0.0.1"])
    media = deliver(post_result, worker, f"http://127.0.0.1:{listener.port}/media/R-1.mp4")
    assert len(listener.requests) == 1
    request = listener.requests[0]
    assert request["path"] == "/media/R-1.mp4"
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert media.status == AIMedia.Status.STORED and media.size == len(VIDEO) and media.error == ""
    assert media.file.storage.read_plain(media.file.name) == VIDEO


def test_r_sec_1_connection_is_pinned_to_the_checked_address(invited, vendor, post_result, worker, listener,
                                                            settings, monkeypatch):
    """R-SEC-1: the name is resolved once; the connection goes to that checked address while the Host header
    keeps the name. A second answer (DNS rebinding) is never asked for."""
    allow(settings, vendor, hosts=[".vendor.example"], http=["media.vendor.example"],
          private=["media.vendor.example"])
    real = socket.getaddrinfo
    answers = []

    def rebinding(host, port, *args, **kwargs):
        if host == "media.vendor.example":
            answers.append(host)
            if len(answers) > 1:
                raise AssertionError("resolved twice: the connection did not use the checked address")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    media = deliver(post_result, worker, f"http://media.vendor.example:{listener.port}/media/R-1.mp4")
    assert answers == ["media.vendor.example"]
    assert [r["headers"]["Host"] for r in listener.requests] == [f"media.vendor.example:{listener.port}"]
    assert media.status == AIMedia.Status.STORED


def test_r_sec_1_api_key_is_not_sent_across_an_allowed_redirect(invited, vendor, post_result, worker, listener,
                                                               vendor_server, settings):
    """R-SEC-1: a redirect to another allowed host is followed, but the API key stays with the first host."""
    allow(settings, vendor, hosts=["127.0.0.1", "localhost"], http=["127.0.0.1", "localhost"],
          private=["127.0.0.1", "localhost"])
    vendor_server.redirect_to = f"http://localhost:{listener.port}/cdn/R-1.mp4"
    media = deliver(post_result, worker, f"http://127.0.0.1:{vendor_server.port}/media/R-1.mp4")
    assert vendor_server.requests[0]["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert [r["path"] for r in listener.requests] == ["/cdn/R-1.mp4"]
    assert "Authorization" not in listener.requests[0]["headers"]
    assert media.status == AIMedia.Status.STORED


def test_r_sec_1_redirect_loops_stop(invited, vendor, post_result, worker, vendor_server, settings):
    allow(settings, vendor, hosts=["127.0.0.1"], http=["127.0.0.1"], private=["127.0.0.1"])
    vendor_server.redirect_to = f"http://127.0.0.1:{vendor_server.port}/again"
    media = deliver(post_result, worker, f"http://127.0.0.1:{vendor_server.port}/media/R-1.mp4")
    assert len(vendor_server.requests) == 4  # the URL and three redirects
    assert media.status == AIMedia.Status.FAILED and "More than 3 redirects" in media.error


def test_r_sec_1_peer_address_is_checked_after_connecting(listener, monkeypatch):
    """R-SEC-1: if the socket ends up connected elsewhere than the checked address, nothing is sent."""
    real = socket.create_connection
    monkeypatch.setattr(socket, "create_connection",
                        lambda address, *a, **k: real(("127.0.0.1", listener.port), *a, **k))
    with pytest.raises(safe_http.Refused, match="instead of the checked address"):
        safe_http._connect("127.0.0.2", listener.port, 5)
    assert listener.requests == []


# -- https: pinned address, the URL's host for SNI and the certificate ------------------------------------

def _certificate(tmp_path, name):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """A local https server whose certificate names media.vendor.test; the client trusts only that
    certificate, and media.vendor.test resolves to 127.0.0.1."""
    import ssl

    cert, key = _certificate(tmp_path, "media.vendor.test")
    server, thread = _serve()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    sni = []
    server_context.sni_callback = lambda sock, name, ctx: sni.append(name)
    server.sni = sni

    def client_context():
        context = ssl.create_default_context(cafile=str(cert))
        return context

    monkeypatch.setattr(safe_http, "_tls_context", client_context)
    real = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host in ("media.vendor.test", "other.vendor.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_r_sec_1_https_uses_the_url_host_for_sni_and_the_certificate(invited, vendor, post_result, worker,
                                                                    tls_server, settings):
    """R-SEC-1: https to the pinned address still verifies the certificate against the URL's host (SNI too)."""
    allow(settings, vendor, hosts=[".vendor.test"], private=["media.vendor.test"])
    media = deliver(post_result, worker, f"https://media.vendor.test:{tls_server.port}/media/R-1.mp4")
    assert media.status == AIMedia.Status.STORED, media.error
    assert tls_server.sni == ["media.vendor.test"]
    assert tls_server.requests[0]["headers"]["Authorization"] == f"Bearer {API_KEY}"


def test_r_sec_1_https_certificate_for_another_name_is_refused_without_sending(
        invited, vendor, post_result, worker, tls_server, settings):
    """R-SEC-1: other.vendor.test resolves to the same address, but the certificate names media.vendor.test:
    the TLS handshake fails, no request (and no API key) is sent, and retrying would not help."""
    allow(settings, vendor, hosts=[".vendor.test"], private=["other.vendor.test"])
    media = deliver(post_result, worker, f"https://other.vendor.test:{tls_server.port}/media/R-1.mp4")
    assert tls_server.requests == []
    assert media.status == AIMedia.Status.FAILED and "TLS certificate refused" in media.error


# -- rules as units ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("address", "kind"), [
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("127.0.0.1", "loopback"),
    ("127.8.8.8", "loopback"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("240.0.0.1", "private"),
    ("100.64.0.1", "non-global"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fe80::", "link-local"),
    ("fc00::1", "private"),
    ("ff02::1", "multicast"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("2002:7f00:1::", "loopback"),            # 6to4 of 127.0.0.1
    ("64:ff9b::a9fe:a9fe", "link-local"),     # NAT64 of 169.254.169.254
])
def test_r_sec_1_address_classifier_refuses_non_public(address, kind):
    assert safe_http.classify_address(address) == kind


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_r_sec_1_address_classifier_passes_public(address):
    assert safe_http.classify_address(address) is None


@pytest.mark.parametrize(("host", "patterns", "expected"), [
    ("media.vervoe.com", ["media.vervoe.com"], True),
    ("MEDIA.Vervoe.com.", ["media.vervoe.com"], True),
    ("x.media.vervoe.com", ["media.vervoe.com"], False),
    ("a.vervoe.com", [".vervoe.com"], True),
    ("a.b.vervoe.com", [".vervoe.com"], True),
    ("vervoe.com", [".vervoe.com"], False),
    ("evilvervoe.com", [".vervoe.com"], False),
    ("vervoe.com.evil.org", [".vervoe.com"], False),
    ("anything.example", [], False),
])
def test_r_sec_1_host_allow_list_exact_or_leading_dot_suffix(host, patterns, expected):
    assert safe_http.host_matches(host, patterns) is expected


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["*", "*.vervoe.com", "https://media.vervoe.com", "media.vervoe.com:443",
                                   "media.vervoe.com/x", ".com", ".", ""])
def test_r_sec_1_vendor_media_hosts_are_validated(generic_vendor, entry):
    generic_vendor.media_url_hosts = [entry]
    with pytest.raises(ValidationError) as exc:
        generic_vendor.save()
    assert "media_url_hosts" in exc.value.message_dict


def test_r_sec_1_vendor_media_hosts_are_normalised(generic_vendor):
    generic_vendor.media_url_hosts = [" Media.Vervoe.COM. ", ".vervoe.com", "203.0.113.7"]
    generic_vendor.save()
    assert Vendor.objects.get(pk=generic_vendor.pk).media_url_hosts == ["media.vervoe.com", ".vervoe.com",
                                                                        "203.0.113.7"]


# -- the Vervoe report link -------------------------------------------------------------------------------

def test_r_sec_1_vervoe_report_link_is_fetched_only_under_the_media_host_rules(
        er_job, vervoe_vendor, post_result, worker, listener):
    """R-SEC-1, R-AI-6: integrationCandidateCardUrl is shown to HR as a link and fetched as the result's report
    like a recording: a javascript: link is dropped (no link, no media row); a link to a host outside the
    vendor's media hosts (here: none configured) is refused without a connection, the report row failing with
    the reason."""
    app = ApplicationFactory(job=er_job, state="ai_invited")
    InvitationFactory(application=app, vendor=vervoe_vendor, assessment_id="cbb3e136-ef30-4452-955b-1835a79caa65")
    data = json.loads((FIXTURES / "vervoe_report_webhook.json").read_bytes())
    data["integrationCandidateCardUrl"] = "javascript:alert(document.cookie)"
    body = json.dumps(data).encode()
    assert post_result(body, raw=True, vendor="vervoe", headers=vervoe_headers(body)).status_code == 202
    worker.run()
    assert AIInterviewResult.objects.get().report_url == ""
    assert not AIMedia.objects.exists()
    data["integrationCandidateCardUrl"] = f"http://127.0.0.1:{listener.port}/card"
    data["event"] = "AI_SCORE_CHANGED"
    body = json.dumps(data).encode()
    assert post_result(body, raw=True, vendor="vervoe", headers=vervoe_headers(body)).status_code == 202
    worker.run()
    assert AIInterviewResult.objects.get().report_url == f"http://127.0.0.1:{listener.port}/card"
    assert_untouched(listener)
    report = AIMedia.objects.get()
    assert (report.kind, report.status, report.source_url) == ("report", "failed",
                                                               f"http://127.0.0.1:{listener.port}/card")
    assert report.error.startswith("Refused") and not report.file
