"""Token auth, the one error format, pagination, schema and docs (R-INT-1)."""

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_token_endpoint_issues_a_token_that_authenticates(users, api_client):
    response = api_client.post("/api/v1/auth/token/", {"username": "hr", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").json()["username"] == "hr"


def test_wrong_credentials_answer_400_with_message(users, api_client):
    response = api_client.post("/api/v1/auth/token/", {"username": "hr", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert response.json()["error"]["message"]


def test_repeated_failures_are_throttled_even_with_the_right_password(users, api_client, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        api_client.post("/api/v1/auth/token/", {"username": "hr", "password": "nope"}, format="json")
    response = api_client.post("/api/v1/auth/token/", {"username": "hr", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) == response.json()["error"]["retry_after"] > 0


def test_unknown_and_missing_fields_are_named(api_client, db):
    response = api_client.post("/api/v1/auth/token/", {"username": "hr", "pasword": "typo"}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "pasword" in fields and "password" in fields


def test_wrong_type_in_query_is_named(users, api_as):
    response = api_as(users.hr).get("/api/v1/staff/?department=abc")
    assert response.status_code == 400
    assert "department" in response.json()["error"]["fields"]


def test_pagination_shape(users, api_as):
    for i in range(7):
        UserFactory(username=f"extra{i}")
    body = api_as(users.director).get("/api/v1/staff/?page_size=5").json()
    # issue 17: the count is bounded (exact up to 1,000) and count_exact says whether it is the whole figure
    assert set(body) == {"count", "count_exact", "next", "previous", "results"}
    assert len(body["results"]) == 5 and body["next"]
    assert body["count"] == 13 and body["count_exact"] is True


def test_list_query_count_does_not_grow_with_page_size(users, api_as, django_assert_max_num_queries):
    for i in range(60):
        UserFactory(username=f"bulk{i}")
    client = api_as(users.director)
    with django_assert_max_num_queries(4):
        client.get("/api/v1/staff/?page_size=50")


def test_schema_and_local_swagger_ui(client):  # R-INT-1
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3.0" in schema.content
    assert b"/api/v1/auth/token/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["broker"] == "ok"


def test_healthz_reports_what_operations_watch(client, db):
    """The README's operations section: the oldest due message's wait, the broker's queue, the last beat tick."""
    from datetime import timedelta

    from django.utils import timezone

    from notifications.services import notification_create
    from notifications.types import Recipient

    assert client.get("/healthz").json()["oldest_due_message_seconds"] == 0
    notification_create(recipient=Recipient(type="candidates.candidate", id=1, name="张伟", phone="+8613800138000"),
                        channel="sms", template_key="generic_message", context={"message": "m", "subject": "s"},
                        idempotency_key="healthz:1", due_at=timezone.now() - timedelta(minutes=10),
                        ignore_quiet_hours=True)
    body = client.get("/healthz").json()
    assert 590 <= body["oldest_due_message_seconds"] <= 660
    assert "queue_depth" in body and "last_beat_tick" in body


def test_admin_login_is_throttled_after_repeated_failures(users, client, settings):  # R-SEC-1
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        page = client.post("/admin/login/", {"username": "hr", "password": "wrong"})
        assert page.status_code == 200  # the form again, with an error
    page = client.post("/admin/login/", {"username": "hr", "password": "wrong"})
    assert page.status_code == 429  # the failure that reaches the limit already answers the lockout page
    page = client.post("/admin/login/", {"username": "hr", "password": PASSWORD})
    assert page.status_code == 429 and "_auth_user_id" not in client.session
    assert 840 < int(page["Retry-After"]) <= 900
    assert "15" in page.content.decode()  # "try again in 15 minutes"


def test_admin_login_works_with_right_password(users, client):
    response = client.post("/admin/login/", {"username": "hr", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize("page", ["1234572463731875512320", "10000001"])
def test_a_page_number_no_table_reaches_is_a_404_not_a_server_error(users, api_as, page):
    """Found by Schemathesis: a page number whose OFFSET overflows PostgreSQL's bigint was a 500."""
    response = api_as(users.hr).get(f"/api/v1/applications/?page={page}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_shift_template_times_are_plain_wall_clock_strings(users, api_as):
    """The schema says string (JSON Schema's "time" format requires an offset, which a shift's time has not)."""
    created = api_as(users.director).post("/api/v1/attendance/shift-templates/", {
        "name": "白班", "start_time": "08:00", "end_time": "17:30"}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["start_time"], created.json()["end_time"]) == ("08:00:00", "17:30:00")
