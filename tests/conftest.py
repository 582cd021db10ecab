import os

import pytest
from django.conf import settings
from django.core.cache import cache

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _postgres_available() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _redis_available() -> bool:
    return bool(settings.REDIS_URL)


def pytest_collection_modifyitems(config, items):
    """Service tests skip with a reason by default and fail instead when REQUIRE_SERVICES=1."""
    needs = {
        "postgres": (_postgres_available(), "needs PostgreSQL: set DATABASE_URL=postgres://..."),
        "redis": (_redis_available(), "needs Redis: set REDIS_URL=redis://..."),
    }
    for item in items:
        for marker, (available, reason) in needs.items():
            if marker in item.keywords and not available:
                if REQUIRE_SERVICES:
                    item.add_marker(pytest.mark.usefixtures("_service_missing_" + marker))
                else:
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _service_missing_postgres():
    pytest.fail("REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL")


@pytest.fixture
def _service_missing_redis():
    pytest.fail("REQUIRE_SERVICES=1 but REDIS_URL is not set")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


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
