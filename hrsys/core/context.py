"""Who is acting, from where: set per web request, read by audit services.

A contextvar (not a thread-local) so it is also correct under ASGI.
"""

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None
    user_agent: str = ""
    user_id: int | None = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("hrsys_request", default=None)


def current() -> RequestContext | None:
    return _current.get()


def set_current(ctx: RequestContext | None):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex
