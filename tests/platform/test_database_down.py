"""The database unreachable (a restart, a fail-over): pages answer 503 with Retry-After and a page that reads
nothing from the database, the API its error format; never a traceback (R-SEC-8; issue 21 item 2)."""

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_down(monkeypatch):
    """Every new connection is refused, as by a PostgreSQL that is restarting; the open one is closed."""

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")  # what the driver says, wrapped as Django wraps it

    connection.close()
    monkeypatch.setattr(type(connections["default"]), "get_new_connection", refused)
    yield
    monkeypatch.undo()
    connection.close()


def test_r_sec_8_a_page_answers_503_with_retry_after(database_down, settings):
    settings.SERVICE_RETRY_AFTER_SECONDS = 45
    response = Client(raise_request_exception=False).get("/careers/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert response["Retry-After"] == "45"
    page = response.content.decode()
    assert 'id="service-unavailable"' in page and "45" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert "暂时无法使用" in page  # in the visitor's language


def test_r_sec_8_the_api_answers_503_in_its_error_format(database_down):
    response = Client(raise_request_exception=False).get("/api/v1/public/jobs/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["error"]["code"] == "service_unavailable"


def test_healthz_reports_the_database_down(database_down):
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")


def test_other_failures_stay_500_and_the_api_keeps_its_error_format(monkeypatch):
    from careers.api import PublicJobListApi

    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(PublicJobListApi, "get", broken)
    response = Client(raise_request_exception=False).get("/api/v1/public/jobs/")
    assert response.status_code == 500 and "Retry-After" not in response
    assert response.json()["error"]["code"] == "server_error"
    assert "a bug" not in response.content.decode()
