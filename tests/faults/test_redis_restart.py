"""Redis restarted: pages keep answering (the cache away is a miss, not an error), /healthz names the broker
down meanwhile, and the cache works again once Redis is back (R-SEC-8; issue 21 item 1). That no message is lost
or sent twice when the queued tasks go with Redis: tests/notifications/test_redis_restart.py."""

import pytest
from django.core.cache import caches
from django.test import Client

from tests.faults.redis_server import ThrowawayRedis

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def redis_server(tmp_path):
    server = ThrowawayRedis(tmp_path / "redis")
    if not server.available:
        pytest.skip("redis-server not installed")
    yield server.start()
    server.kill()


@pytest.fixture
def on_that_redis(redis_server, settings):
    """The cache and the broker on that Redis (Django resets its cache handler when CACHES changes)."""
    settings.CACHES = {"default": {"BACKEND": "hrsys.core.cache.ForgivingRedisCache", "LOCATION": redis_server.url,
                                   "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
    settings.CELERY_BROKER_URL = redis_server.url
    return redis_server


def test_r_sec_8_pages_answer_while_redis_restarts(on_that_redis, users):
    from tests.factories import PASSWORD

    cache = caches["default"]
    cache.set("probe", "before")
    assert cache.get("probe") == "before"
    hr = Client(raise_request_exception=False)
    hr.force_login(users.hr)
    assert hr.get("/dashboard/").status_code == 200

    on_that_redis.kill()
    assert cache.get("probe") is None  # a miss, not an error
    assert hr.get("/dashboard/").status_code == 200  # the per-viewer cache away: the page is computed
    assert hr.get("/workspace/jobs/").status_code == 200
    signing_in = Client(raise_request_exception=False)  # the login throttle counts in the cache: lets through
    assert signing_in.post("/admin/login/", {"username": "hr", "password": PASSWORD}).status_code == 302
    health = Client().get("/healthz")
    assert health.status_code == 503 and health.json()["broker"].startswith("error")
    assert health.json()["database"] == "ok"

    on_that_redis.start()  # back, empty
    assert cache.get("probe") is None
    cache.set("probe", "after")
    assert cache.get("probe") == "after"
    assert Client().get("/healthz").status_code == 200
