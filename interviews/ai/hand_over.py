"""Stored vendor deliveries handed to the worker in batches (issue 17 item 3).

Publishing one Celery task per delivery cost the webhook more than storing the delivery did (a task message is
about a millisecond of Python in the web process, in the thread that serves the next vendor request). The
webhook instead adds the delivery's id to this process's batch; a thread of the process publishes the batch as
one ``ai_interviews.process_deliveries`` task ``AI_DELIVERY_HAND_OVER_SECONDS`` after its first id (default 0.02).
The worker then processes each delivery in a transaction of its own, exactly as the single task does.

Nothing depends on the batch for correctness: the delivery is committed before its id is added, and a delivery
whose id is lost (the process dies, the broker is down) stays "received" until the sweep
``ai_deliveries_requeue_due`` hands it over. With the setting at 0 every id is published at once, one task each.
"""

import atexit
import logging
import os
import threading
import time

from django.conf import settings

from . import tasks

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_SECONDS = 0.02


def window_seconds() -> float:
    return float(getattr(settings, "AI_DELIVERY_HAND_OVER_SECONDS", DEFAULT_WINDOW_SECONDS))


class HandOverBatch:
    """The ids this process stored and has not published yet, and the thread that publishes them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids: list[int] = []
        self._due = threading.Event()
        self._owner_pid: int | None = None  # the process whose thread runs; a forked child starts its own

    def add(self, delivery_id: int) -> None:
        window = window_seconds()
        if window <= 0:
            self._publish([delivery_id])
            return
        with self._lock:
            if self._owner_pid != os.getpid():
                self._ids = []  # a forked child does not publish its parent's ids: the parent does
                self._owner_pid = os.getpid()
                self._due = threading.Event()
                threading.Thread(target=self._run, name="ai-delivery-hand-over", daemon=True).start()
                atexit.register(self.flush)
            self._ids.append(delivery_id)
        self._due.set()

    def flush(self) -> int:
        """Publish what is waiting now; returns how many ids were handed over."""
        with self._lock:
            ids, self._ids = self._ids, []
            self._due.clear()
        if ids:
            self._publish(ids)
        return len(ids)

    def _run(self) -> None:
        while True:
            self._due.wait()
            time.sleep(window_seconds())  # let the deliveries arriving meanwhile join this batch
            self.flush()

    @staticmethod
    def _publish(ids: list[int]) -> None:
        try:
            if len(ids) == 1:
                tasks.enqueue("process_delivery", ids[0])
            else:
                tasks.enqueue("process_deliveries", ids)
        except Exception as exc:  # noqa: BLE001 - stored and committed: the sweep hands them over later
            logger.warning("%d AI interview deliveries not handed to the worker (%s); the sweep will", len(ids),
                           exc.__class__.__name__)


batch = HandOverBatch()
