import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_process_init

from hrsys.core.gc_tuning import freeze_loaded_objects
from hrsys.core.masking import install_on

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrsys.settings")

app = Celery("hrsys")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _mask_worker_logs(logger, **kwargs):
    """The worker replaces Django's log handlers with its own (and logs whatever reaches stdout): they get the
    same masking filters as settings.LOGGING (R-SEC-2)."""

    install_on(logger)


@worker_process_init.connect
def _freeze_loaded_objects(**kwargs):
    """A worker process has loaded Django and the tasks: their objects leave the collector's walks (gc_tuning)."""
    freeze_loaded_objects()
