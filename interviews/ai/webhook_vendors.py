"""The vendor a webhook URL names, read once every few seconds per process (issue 17 item 3).

Every delivery needs its vendor's secret, scales and limits before anything else; reading and decrypting the row
for each one was a quarter of the webhook's time. The row is kept per process for ``AI_VENDOR_CACHE_SECONDS``
(default 5). A vendor saved or deleted in a process is read again there at once; the other processes see the
change within those seconds (a deactivated vendor or a replaced secret answers 404 / 403 after at most 5 s; a
rotated secret keeps the previous one valid meanwhile anyway). Unknown slugs are not kept: a flood of made-up
URLs cannot grow the memory.

The kept ``Vendor`` is shared by the process's threads: read it, never change it.
"""

import threading
import time

from django.conf import settings

from .models import Vendor

_lock = threading.Lock()
_kept: dict[str, tuple[float, Vendor]] = {}


def active_vendor(slug: str) -> Vendor | None:
    """The active vendor of this slug, or None."""
    ttl = float(getattr(settings, "AI_VENDOR_CACHE_SECONDS", 5))
    now = time.time()  # wall clock: a clock set back only makes the row read again
    kept = _kept.get(slug)
    if kept is not None and 0 <= now - kept[0] < ttl:
        return kept[1]
    vendor = Vendor.objects.filter(slug=slug, active=True).first()
    with _lock:
        if vendor is None:
            _kept.pop(slug, None)
        elif ttl > 0:
            _kept[slug] = (now, vendor)
    return vendor


def forget_vendors(**_kwargs) -> None:
    """Receiver of Vendor's post_save / post_delete: this process reads vendors again."""
    with _lock:
        _kept.clear()
