"""Secret tokens in URLs never reach a log line (R-SEC-3).

Several pages authenticate by a token in the path: tracked message links (``/l/<token>``), the email
open pixel (``/l/o/<token>.gif``), interviewers' calendar feeds (``/interviews/feed/<token>.ics``),
candidates' signed links (``/interviews/r|c|j/<token>/`` and their API twins) and portal magic links
(``/portal/l/<token>/``); Twilio callbacks carry the notification token as ``?n=<token>``. Whoever
reads the access log could open those pages, so every log line passes through ``mask_token_urls``:
the token keeps at most its first 4 characters and becomes ``abcd***``.

* ``TokenUrlFilter`` -- a ``logging.Filter`` for Django's loggers (``django.server``, ``django.request``;
  wired in settings ``LOGGING``).
* ``GunicornLogger`` -- gunicorn's logger class (``gunicorn.conf.py``): the access log's atoms (request
  line, path, query, referer, headers) and the error log are masked.

A new URL with a token in it needs its prefix in ``TOKEN_PATH_PREFIXES``;
``tests/platform/test_token_urls.py`` fails for any ``<...:token>`` route this module does not mask.
"""

import logging
import re

MASK = "***"
KEEP = 4  # characters of a token kept, to tell log lines apart
SHORT = 12  # tokens shorter than this (typos, probes) are masked completely

# Path prefixes followed by one token segment. Kept in step with the URLconf by the test above.
TOKEN_PATH_PREFIXES = (
    "/l/o/",  # email open pixel, /l/o/<token>.gif
    "/l/",  # tracked link in a message
    "/interviews/feed/",  # interviewer's calendar feed, <token>.ics
    "/interviews/r/", "/interviews/c/", "/interviews/j/",  # candidate rebook / confirm / could-not-join
    "/api/v1/interviews/rebook/", "/api/v1/interviews/could-not-join/",
    "/portal/l/",  # portal magic link
)
TOKEN_QUERY_PARAMS = ("n",)  # Twilio callbacks: ?n=<notification token>
_KEPT_SUFFIXES = (".ics", ".gif")

_PATH_RE = re.compile(
    "(?P<prefix>" + "|".join(re.escape(p) for p in sorted(TOKEN_PATH_PREFIXES, key=len, reverse=True)) + ")"
    r"""(?P<token>[^/?#&\s"'<>]+)"""
)
_QUERY_RE = re.compile(
    r"(?P<prefix>[?&](?:" + "|".join(re.escape(p) for p in TOKEN_QUERY_PARAMS) + r")=)"
    r"""(?P<token>[^&#\s"'<>]+)"""
)


def mask_token(token: str) -> str:
    suffix = next((s for s in _KEPT_SUFFIXES if token.endswith(s) and len(token) > len(s)), "")
    token = token[: len(token) - len(suffix)]
    if token.endswith(MASK):  # already masked (a record passing two filters)
        return token + suffix
    kept = token[:KEEP] if len(token) >= SHORT else ""
    return f"{kept}{MASK}{suffix}"


def _sub(match: re.Match) -> str:
    return match.group("prefix") + mask_token(match.group("token"))


def mask_token_urls(text: str) -> str:
    """``text`` with every token of a known token URL (path or query) replaced by ``abcd***``."""
    if not text or "/" not in text and "=" not in text:
        return text
    return _QUERY_RE.sub(_sub, _PATH_RE.sub(_sub, text))


def _masked(value, *, query: bool = False):
    if not isinstance(value, str):
        return value
    if query:  # a bare query string ("n=<token>&x=1") has no "?" in front of its first parameter
        return mask_token_urls("?" + value)[1:]
    return mask_token_urls(value)


class TokenUrlFilter(logging.Filter):
    """Masks token URLs in a record's message; never drops a record.

    The message is formatted here (``getMessage()``) and the arguments dropped, because a token
    usually arrives as an argument (``"GET %s"``, path) and formatting later would bring it back.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's problem, not ours
            return True
        masked = mask_token_urls(message)
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        return True


try:  # gunicorn is a production dependency, but Django must not need it to start
    from gunicorn.glogging import Logger as _GunicornBase
except ImportError:  # pragma: no cover
    _GunicornBase = None


if _GunicornBase is not None:

    class GunicornLogger(_GunicornBase):
        """gunicorn's logger with token URLs masked in the access log and the error log (R-SEC-3).

        ``atoms`` feed ``access_log_format``; every text atom (request line ``%(r)s``, path ``%(U)s``,
        query ``%(q)s``, referer ``%(f)s``, ``{header}i``, ``{var}e``) is masked, so a custom format
        cannot bring a token back.
        """

        def setup(self, cfg):
            super().setup(cfg)
            if not any(isinstance(f, TokenUrlFilter) for f in self.error_log.filters):
                self.error_log.addFilter(TokenUrlFilter())

        def atoms(self, resp, req, environ, request_time):
            return {key: _masked(value, query=key in _QUERY_ATOMS)
                    for key, value in super().atoms(resp, req, environ, request_time).items()}

    _QUERY_ATOMS = frozenset({"q", "{query_string}e"})
