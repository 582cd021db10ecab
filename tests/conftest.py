import os

import pytest
from django.conf import settings
from django.core.cache import cache

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _postgres_available() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _redis_available() -> bool:
    return bool(settings.REDIS_URL)


CHROMIUM = os.environ.get("HRSYS_CHROMIUM", "/usr/bin/chromium")


def _chromium_available() -> bool:
    """Debian's chromium (Playwright cannot download browsers here) and the Playwright package."""
    import importlib.util
    import shutil

    return bool(shutil.which(CHROMIUM)) and importlib.util.find_spec("playwright") is not None


def _libreoffice_available() -> bool:
    from hrsys.core.documents import soffice_binary

    return soffice_binary() is not None


def pytest_configure(config):
    config.addinivalue_line("markers", "libreoffice: converts to PDF with LibreOffice (soffice); skipped "
                                       "without it unless REQUIRE_SERVICES=1")


_MISSING = pytest.StashKey[str]()


def pytest_collection_modifyitems(config, items):
    """Tests of services and tools skip with a reason by default and fail instead when REQUIRE_SERVICES=1 (CI):
    PostgreSQL, Redis, the browser (chromium + Playwright) and LibreOffice. (A ``usefixtures`` mark added here
    would come too late: an item's fixtures are fixed when it is collected, so the failure is raised in
    ``pytest_runtest_setup``.)"""
    needs = {
        "postgres": (_postgres_available, "needs PostgreSQL: set DATABASE_URL=postgres://..."),
        "redis": (_redis_available, "needs Redis: set REDIS_URL=redis://..."),
        "browser": (_chromium_available, f"needs chromium at {CHROMIUM} (HRSYS_CHROMIUM) and Playwright: "
                                         "apt-get install chromium"),
        "libreoffice": (_libreoffice_available, "needs LibreOffice, soffice (SOFFICE_BINARY) on the PATH: "
                                                "apt-get install libreoffice-writer-nogui"),
    }
    available: dict[str, bool] = {}
    for item in items:
        for marker, (check, reason) in needs.items():
            if item.get_closest_marker(marker) is None:
                continue
            if marker not in available:
                available[marker] = check()
            if not available[marker]:
                if REQUIRE_SERVICES:
                    item.stash[_MISSING] = f"REQUIRE_SERVICES=1 but this test {reason}"
                else:
                    item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item):
    missing = item.stash.get(_MISSING, None)
    if missing:
        pytest.fail(missing, pytrace=False)


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test gets an empty in-process cache: clearing a shared file or Redis cache
    would wipe the state of tests running in parallel (xdist) or in other runs."""
    import uuid

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": uuid.uuid4().hex}}
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_vendor_rows():
    """Each test reads AI vendors from its own database rows: the webhook keeps a vendor a few seconds per
    process, and a rolled-back test's vendor must not answer the next test's delivery."""
    from interviews.ai.webhook_vendors import forget_vendors

    forget_vendors()


@pytest.fixture(autouse=True, scope="session")
def _staff_sign_in_defaults():
    """Tests sign staff in with ``force_login`` or the password form alone: no role must enrol a second factor
    (so the demo seeds no authenticators) and sessions do not time out while a test travels in time. Users who
    have an authenticator are still asked for a code. Session-scoped, so module-scoped worlds see it too;
    tests/accounts/ turn the product's defaults on with the ``settings`` fixture (R-SEC-9)."""
    from django.conf import settings

    settings.STAFF_2FA_REQUIRED_ROLES = ()
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 0


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def org(db):
    """A hospital with two departments and a company: the shape scope tests need."""
    from tests.factories import DepartmentFactory

    hospital = DepartmentFactory(code="hosp", name="医院", kind="organization")
    emergency = DepartmentFactory(code="er", name="急诊科", parent=hospital)
    it = DepartmentFactory(code="it", name="信息科", parent=hospital)
    ward = DepartmentFactory(code="er-ward", name="急诊病区", parent=emergency)
    company = DepartmentFactory(code="co", name="公司", kind="organization")
    return type("Org", (), {"hospital": hospital, "emergency": emergency, "it": it, "ward": ward,
                            "company": company})


@pytest.fixture
def users(org):
    from tests.factories import UserFactory

    return type("Users", (), {
        "director": UserFactory(username="director", role="hr_director"),
        "hr": UserFactory(username="hr", role="hr_staff", departments=[org.hospital]),
        "er_manager": UserFactory(username="er_manager", role="manager", departments=[org.emergency]),
        "it_manager": UserFactory(username="it_manager", role="manager", departments=[org.it]),
        "interviewer": UserFactory(username="interviewer", role="interviewer", departments=[org.emergency]),
        "admin": UserFactory(username="sysadmin", role="sysadmin", is_superuser=True),
    })


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


# --- real Celery worker / beat processes -------------------------------------------------------

def _database_url_for_subprocess() -> str:
    from django.db import connection

    cfg = connection.settings_dict
    if cfg["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{cfg['NAME']}"
    auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else "")
    return f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


class CeleryProcesses:
    """Starts `celery worker` (and optionally `celery beat`) as real subprocesses that share the
    test database, on the filesystem broker (default) or Redis, with a queue of their own."""

    def __init__(self, tmp_path):
        import uuid

        self.tmp_path = tmp_path
        self.queue = f"test-{uuid.uuid4().hex[:10]}"
        self.procs = []
        self.broker = None

    def _configure_this_process(self, broker: str):
        from hrsys.celery import app

        broker_dir = self.tmp_path / "broker"
        for sub in ("queue", "processed", "control"):
            (broker_dir / sub).mkdir(parents=True, exist_ok=True)
        if broker == "redis":
            app.conf.broker_url = settings.REDIS_URL
            app.conf.broker_transport_options = {"visibility_timeout": 3600}
        else:
            app.conf.broker_url = "filesystem://"
            app.conf.broker_transport_options = {
                "data_folder_in": str(broker_dir / "queue"), "data_folder_out": str(broker_dir / "queue"),
                "processed_folder": str(broker_dir / "processed"), "store_processed": False,
                "control_folder": str(broker_dir / "control"),
            }
        app.conf.task_default_queue = self.queue
        app.conf.task_always_eager = False
        app._pool = None
        app.amqp._producer_pool = None
        return broker_dir

    def env(self, broker: str, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
        env.update(DATABASE_URL=_database_url_for_subprocess(), HRSYS_QUEUE=self.queue,
                   HRSYS_BROKER_DIR=str(self.tmp_path / "broker"), HRSYS_TESTING="1", **extra)
        if broker == "redis":
            env["REDIS_URL"] = settings.REDIS_URL
        return env

    def start(self, *, broker: str = "filesystem", beat: bool | int = False, concurrency: int = 2, **extra_env):
        """``beat``: True for a beat process, or how many (a second beat: what an operator's mistake starts)."""
        import subprocess
        import sys

        self.broker = broker
        self._configure_this_process(broker)
        env = self.env(broker, **extra_env)
        log = open(self.tmp_path / "worker.log", "ab")
        worker = [sys.executable, "-m", "celery", "-A", "hrsys", "worker", "--loglevel", "INFO",
                  "--concurrency", str(concurrency), "--queues", self.queue, "--without-gossip",
                  "--without-mingle", "--hostname", f"{self.queue}@%h"]
        self.procs.append(subprocess.Popen(worker, env=env, stdout=log, stderr=subprocess.STDOUT,
                                           cwd=settings.BASE_DIR, start_new_session=True))
        for n in range(int(beat)):
            beat_cmd = [sys.executable, "-m", "celery", "-A", "hrsys", "beat", "--loglevel", "INFO",
                        "--schedule", str(self.tmp_path / f"beat-schedule-{n}")]
            self.procs.append(subprocess.Popen(beat_cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                               cwd=settings.BASE_DIR, start_new_session=True))
        return self

    def log(self) -> str:
        path = self.tmp_path / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        import signal

        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except Exception:  # noqa: BLE001
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs = []
        from hrsys.celery import app

        app.conf.broker_url = settings.CELERY_BROKER_URL
        app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A factory: ``celery_worker_process.start(broker="redis", beat=True, HR_TICK_SECONDS="1")``.
    Tests using it see committed data only (transactional_db), like production."""
    procs = CeleryProcesses(tmp_path)
    yield procs
    procs.stop()


def wait_until(predicate, *, timeout: float = 60.0, interval: float = 0.2, message: str = "condition"):
    """Poll for an outcome produced by another process. Not a timing assertion: the
    deadline only bounds how long a broken system may take to fail the test."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
