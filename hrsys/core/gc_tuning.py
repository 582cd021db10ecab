"""Garbage collection for long-running processes (issue 17).

A web or worker process holds hundreds of thousands of long-lived objects once Django, the apps and their
modules are loaded. Python's full collections walk every one of them, and a page that allocates a few thousand
ORM objects (a pipeline board of 200 cards) triggers several: measured in ``benchmarks/pipeline.py``, a third to
a half of the board's Python time went to collections. ``gc.freeze()`` once the process has loaded everything
moves those objects to a permanent generation that collections skip (they are still freed at exit). Called by
gunicorn after a worker has loaded the application (``gunicorn.conf.py``), by each Celery worker process when it
starts (``hrsys.celery``), and by the benchmarks after their set-up, so they measure what those processes serve.
"""

import gc


def freeze_loaded_objects() -> None:
    gc.collect()  # what is garbage already is freed, not kept for ever
    gc.freeze()
