"""gunicorn settings shared by the Procfile, docker-compose.yml and the Dockerfile.

gunicorn reads ``./gunicorn.conf.py`` of the directory it starts in (the project root, ``/app`` in the
image); the command lines keep bind address, workers and threads, this file what they have in common.
"""

# Secret tokens in URLs (/l/<token>, calendar feeds, candidates' signed links, portal magic links) are
# masked in the access and error logs (R-SEC-3, hrsys/core/url_masking.py).
logger_class = "hrsys.core.url_masking.GunicornLogger"


def post_worker_init(worker):
    """The worker has loaded the application: its objects leave the garbage collector's walks (hrsys.core.gc_tuning)."""
    from hrsys.core.gc_tuning import freeze_loaded_objects  # noqa: PLC0415 - in the worker, where the project is on the path

    freeze_loaded_objects()
