"""Fetch a URL that someone outside named, without letting them aim us at our own network (R-SEC-1).

A vendor's payload names a URL and a worker downloads it, sending the vendor's API key. Without care
that is server-side request forgery: ``http://127.0.0.1:6379/``, ``http://169.254.169.254/`` (cloud
metadata), an intranet host, a public host that redirects to one, or a name whose DNS answer changes
between the check and the connection. :func:`fetch` refuses all of these:

* **scheme**: ``https`` only; ``http`` only for hosts in ``http_hosts`` (a test/development setting);
* **host allow-list**: the URL's host must match ``allowed_hosts`` -- an entry is an exact host name
  (``media.vervoe.com``) or a leading-dot suffix rule (``.vervoe.com``: any name *below* vervoe.com, not
  vervoe.com itself). An **empty list refuses everything**;
* **addresses**: the host is resolved once, and every address it resolves to must be public: loopback,
  private, link-local (cloud metadata), multicast, reserved, unspecified and otherwise non-global
  addresses are refused, IPv4 and IPv6 alike, including IPv4 addresses wrapped in IPv6 (``::ffff:a.b.c.d``,
  6to4, Teredo, NAT64). ``private_hosts`` (a test setting) names hosts exempt from this rule;
* **pinning**: the connection goes to the checked address (no second DNS lookup an attacker could
  rebind), with the URL's host in the ``Host`` header and as the TLS server name (SNI and certificate
  check); the socket's peer address is checked again once connected;
* **redirects**: followed by hand, at most ``max_redirects``, each target validated like the first URL;
  ``secret_headers`` (the API key) are sent only to the host of the first URL, never to another host;
* **size and time**: at most ``max_bytes`` are read, within ``timeout`` seconds overall.

Environment proxies (``HTTPS_PROXY``) are not used: a proxy would resolve names itself and defeat the
address check.

:class:`Refused` (a rule said no: never worth retrying) and :class:`FetchFailed` (``transient`` says
whether a retry may help) are the only exceptions callers need to handle.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

REDIRECT_STATUSES = {301, 302, 303, 307, 308}

#: Why an address is refused, by kind (see :func:`classify_address`).
ADDRESS_KINDS = {
    "unspecified": pgettext_lazy("address kind", "unspecified"),
    "loopback": pgettext_lazy("address kind", "loopback"),
    "link-local": pgettext_lazy("address kind", "link-local"),
    "multicast": pgettext_lazy("address kind", "multicast"),
    "private": pgettext_lazy("address kind", "private"),
    "reserved": pgettext_lazy("address kind", "reserved"),
    "non-global": pgettext_lazy("address kind", "not publicly routable"),
}

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The URL breaks a rule: nothing was (or will be) sent to it. Never retried."""

    def __init__(self, reason: str, *, url: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.url = url


class FetchFailed(Exception):
    """The allowed host answered badly or not at all; ``transient``: a later retry may succeed."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str
    url: str  # the URL finally answered (after redirects)


# -- rules ---------------------------------------------------------------------------------------------

def _norm_host(host: str) -> str:
    return (host or "").strip().lower().rstrip(".")


def host_matches(host: str, patterns) -> bool:
    """``host`` is named by ``patterns``: an exact name, or a ``.suffix`` rule matching names below it."""
    host = _norm_host(host)
    if not host:
        return False
    for pattern in patterns or ():
        pattern = _norm_host(pattern)
        if not pattern or pattern == ".":
            continue
        if pattern.startswith("."):
            if host.endswith(pattern) and len(host) > len(pattern):
                return True
        elif host == pattern:
            return True
    return False


def classify_address(address) -> str | None:
    """The kind of non-public address ``address`` is (a key of :data:`ADDRESS_KINDS`), or ``None`` if public.

    IPv4 addresses carried inside IPv6 (IPv4-mapped, 6to4, Teredo, NAT64) are judged by the IPv4 address.
    """
    ip = address if isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address) else \
        ipaddress.ip_address(str(address).split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = classify_address(embedded)
            if inner is not None or ip.ipv4_mapped:
                return inner
    for kind, flag in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                       ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return kind
    return None if ip.is_global else "non-global"


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent


def check_url(url: str, *, allowed_hosts, http_hosts=()) -> _Target:
    """Scheme, host allow-list and URL shape (no DNS yet). Raises :class:`Refused`."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        raise Refused(_("The URL is not valid."), url=url) from None
    scheme, host = parts.scheme.lower(), _norm_host(parts.hostname or "")
    if not host:
        raise Refused(_("The URL has no host."), url=url)
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")  # compared with the allow-list as punycode
        except UnicodeError:
            raise Refused(_("The URL is not valid."), url=url) from None
    if parts.username is not None or parts.password is not None:
        raise Refused(_("URLs with a user name or password are refused."), url=url)
    if scheme not in ("https", "http"):
        raise Refused(_("Only https URLs are fetched (the scheme %(scheme)s is refused).")
                      % {"scheme": scheme or "-"}, url=url)
    if not [h for h in (allowed_hosts or ()) if _norm_host(h)]:
        raise Refused(_("No hosts are allowed: the list of allowed hosts is empty."), url=url)
    if not host_matches(host, allowed_hosts):
        raise Refused(_("The host %(host)s is not in the list of allowed hosts.") % {"host": host}, url=url)
    if scheme == "http" and not host_matches(host, [h for h in (http_hosts or ()) if not h.startswith(".")]):
        raise Refused(_("Only https URLs are fetched (http://%(host)s is refused).") % {"host": host}, url=url)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    path = quote(path, safe="/?&=%:@!$'()*+,;~-._")  # non-ASCII and spaces percent-encoded, escapes kept
    return _Target(url=url, scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def resolve(host: str, port: int, *, private_hosts=()) -> list[str]:
    """Every address ``host`` resolves to, each checked; raises :class:`Refused` if any is not public.

    All answers must pass (not just the first): a name answering both a public and a private address
    is refused, whichever one a connection would pick.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(_("The host %(host)s could not be resolved (%(error)s).")
                          % {"host": host, "error": exc}, transient=True) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchFailed(_("The host %(host)s could not be resolved.") % {"host": host}, transient=True)
    exempt = host_matches(host, [h for h in (private_hosts or ()) if not h.startswith(".")])
    for address in addresses:
        kind = classify_address(address)
        if kind is not None and not exempt:
            raise Refused(_("The host %(host)s resolves to %(address)s, a %(kind)s address.")
                          % {"host": host, "address": address, "kind": ADDRESS_KINDS[kind]})
    return addresses


# -- connections pinned to a checked address ----------------------------------------------------------

def _connect(address: str, port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection((address, port), timeout=timeout)
    try:
        peer = ipaddress.ip_address(sock.getpeername()[0].split("%", 1)[0])
        if peer != ipaddress.ip_address(address.split("%", 1)[0]):
            raise Refused(_("Connected to %(peer)s instead of the checked address %(address)s.")
                          % {"peer": peer, "address": address})
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to ``address`` (already checked) while ``Host:`` names the URL's host."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = _connect(self._address, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to ``address`` (already checked); SNI and the certificate check use the URL's host."""

    def __init__(self, host, port, *, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = _connect(self._address, self.port, self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


# -- fetch ---------------------------------------------------------------------------------------------

def fetch(url: str, *, allowed_hosts, http_hosts=(), private_hosts=(), headers=None, secret_headers=None,
          max_bytes: int, timeout: float = 30, max_redirects: int = 3) -> Fetched:
    """GET ``url`` under the rules of this module; see the module docstring.

    ``secret_headers`` (e.g. ``{"Authorization": "Bearer ..."}``) go only to the first URL's host.
    Raises :class:`Refused` or :class:`FetchFailed`.
    """
    deadline = time.monotonic() + timeout
    target = check_url(url, allowed_hosts=allowed_hosts, http_hosts=http_hosts)
    first_host = target.host
    for _hop in range(max_redirects + 1):
        addresses = resolve(target.host, target.port, private_hosts=private_hosts)
        send = dict(headers or {})
        if target.host == first_host:
            send.update(secret_headers or {})
        send.setdefault("Accept-Encoding", "identity")
        response, conn = _request(target, addresses, send, deadline)
        try:
            if response.status in REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise FetchFailed(_("HTTP %(status)s without a Location.") % {"status": response.status},
                                      transient=False)
                try:
                    target = check_url(urljoin(target.url, location.strip()), allowed_hosts=allowed_hosts,
                                       http_hosts=http_hosts)
                except Refused as exc:
                    raise Refused(_("Redirect refused: %(reason)s") % {"reason": exc.reason}, url=exc.url) from None
                continue
            if not 200 <= response.status < 300:
                raise FetchFailed(f"HTTP {response.status}",
                                  transient=response.status >= 500 or response.status in (408, 429))
            data = _read(response, max_bytes, deadline)
            return Fetched(data=data, content_type=response.headers.get_content_type(), url=target.url)
        finally:
            conn.close()
    raise Refused(_("More than %(n)d redirects.") % {"n": max_redirects}, url=target.url)


def _own_host(url: str) -> str:
    """The URL's host as :func:`check_url` compares it (punycode), to allow exactly that host."""
    host = _norm_host(urlsplit(url or "").hostname or "")
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return host


@dataclass(frozen=True)
class Posted:
    status: int
    headers: dict  # the response's headers (last value of each name)
    data: bytes  # the first ``max_bytes`` of the response body


def post(url: str, *, body: bytes, headers=None, http_hosts=(), private_hosts=(), max_bytes: int = 4096,
         timeout: float = 30) -> Posted:
    """POST ``body`` to ``url`` under this module's address rules and answer whatever status came back.

    Used for outgoing webhooks (R-INT-2): the host is the subscriber's own, so the allow-list is that host,
    while the scheme, address and pinning rules still keep the request off our own network. Redirects are
    not followed (a 3xx is returned like any other status). Raises :class:`Refused` or :class:`FetchFailed`
    (no answer: transient); a non-2xx answer is not an exception here.
    """
    deadline = time.monotonic() + timeout
    target = check_url(url, allowed_hosts=[_own_host(url)], http_hosts=http_hosts)
    addresses = resolve(target.host, target.port, private_hosts=private_hosts)
    send = dict(headers or {})
    send.setdefault("Accept-Encoding", "identity")
    send["Content-Length"] = str(len(body))
    response, conn = _request(target, addresses, send, deadline, method="POST", body=body)
    try:
        data = b""
        try:
            data = response.read(max_bytes)
        except (OSError, http.client.HTTPException):
            pass  # the status is what counts; a body cut short is not a failure of the delivery
        return Posted(status=response.status, headers={k.lower(): v for k, v in response.getheaders()}, data=data)
    finally:
        conn.close()


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchFailed(_("Timed out."), transient=True)
    return left


def _request(target: _Target, addresses: list[str], headers: dict, deadline: float, *, method: str = "GET",
             body: bytes | None = None):
    last_error = None
    for address in addresses:
        timeout = _remaining(deadline)
        if target.scheme == "https":
            conn = _PinnedHTTPSConnection(target.host, target.port, address=address, timeout=timeout,
                                          context=_tls_context())
        else:
            conn = _PinnedHTTPConnection(target.host, target.port, address=address, timeout=timeout)
        try:
            conn.request(method, target.path, body=body, headers=headers)
            return conn.getresponse(), conn
        except Refused:
            conn.close()
            raise
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            raise FetchFailed(_("TLS certificate refused: %(error)s") % {"error": exc.verify_message or exc},
                              transient=False) from None
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            last_error = exc
    raise FetchFailed(str(last_error)[:300] or _("Connection failed."), transient=True)


def _read(response, max_bytes: int, deadline: float) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchFailed(_("Larger than %(n)d bytes.") % {"n": max_bytes}, transient=False)
    chunks, size = [], 0
    try:
        while True:
            _remaining(deadline)
            chunk = response.read(min(64 * 1024, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise FetchFailed(_("Larger than %(n)d bytes.") % {"n": max_bytes}, transient=False)
    except (OSError, http.client.HTTPException) as exc:
        raise FetchFailed(str(exc)[:300] or _("Connection failed."), transient=True) from None
    return b"".join(chunks)
