import ipaddress
from dataclasses import replace

from django.conf import settings

from . import context


def client_ip(request) -> str | None:
    """The client's address, the one function for it (audit context, staff login throttling via axes'
    AXES_CLIENT_IP_CALLABLE, the portal's code limits, portal sessions).

    ``TRUSTED_PROXY_COUNT`` = 0 (default): REMOTE_ADDR, and X-Forwarded-For is ignored. With n > 0 proxies,
    each appending the address it received the request from, the client is the entry n hops from the right;
    anything further left was written by the client and is never read, so a forged entry changes nothing.
    A header shorter than the proxy chain, or an entry that is not an address, falls back to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if hops <= 0:
        return remote
    chain = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(chain) < hops:
        return remote
    return _address(chain[-hops]) or remote


def _address(value: str) -> str | None:
    """``value`` as a normalized IP address; a port some proxies add ("1.2.3.4:5678", "[::1]:5678") is dropped."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) for audit and access logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else context.new_request_id()
        ctx = context.RequestContext(
            request_id=request_id,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:400],
        )
        request.request_id = request_id
        token = context.set_current(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestUserMiddleware:
    """After authentication: remember the acting user id in the request context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = context.current()
        user = getattr(request, "user", None)
        if ctx is not None and user is not None and user.is_authenticated:
            context.set_current(replace(ctx, user_id=user.pk))
        return self.get_response(request)
