"""Byte-range responses (RFC 9110 section 14) for decrypted files: browsers seek in a recording with
``Range: bytes=start-end`` and need ``206 Partial Content`` to do so (R-AI-6).

Encrypted files are decrypted whole in memory (AES-GCM authenticates the whole file), so a range is a
slice of those bytes. A single range is honoured; several ranges, or a malformed header, get the whole
file (which RFC 9110 allows); a range past the end is ``416``.
"""

import re

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.http import content_disposition_header

_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def requested_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """``(first, last)`` inclusive, ``None`` for the whole file, ``False`` when unsatisfiable."""
    match = _SINGLE_RANGE.match((header or "").strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # an invalid range is ignored: the whole file (RFC 9110 14.2)
    if start >= size:
        return False
    return start, min(int(last), size - 1) if last else size - 1


def note_viewing(*, user, obj, minutes: int = 30) -> bool:
    """True once per viewer and file within ``minutes``: a player's many range requests (from the start, a
    seek, a resumed playback) are one viewing, logged once whatever their headers say."""
    key = f"viewing:{user.pk}:{obj._meta.label_lower}:{obj.pk}"
    return cache.add(key, 1, timeout=minutes * 60)


def ranged_response(request, data: bytes, *, content_type: str, filename: str, as_attachment: bool) -> HttpResponse:
    size = len(data)
    wanted = requested_range(request.headers.get("Range", ""), size)
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = HttpResponse(data, content_type=content_type)
    else:
        first, last = wanted
        response = HttpResponse(data[first:last + 1], content_type=content_type, status=206)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response
