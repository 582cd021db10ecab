"""Event subscriptions over the API and in the admin (R-INT-2): HR's administrator only, within their
organisation, the secret write-only, field errors as 400, audited."""

import pytest

from hrsys.audit.models import AuditEvent
from hrsys.events.models import Subscription
from tests.events.conftest import SECRET
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/event-subscriptions/"


@pytest.fixture
def director(org):
    return UserFactory(username="hospital-director", role="hr_director", departments=[org.hospital])


def _body(org, **over):
    return {"organisation_id": org.hospital.pk, "name": "薪酬系统", "url": "https://payroll.example.org/hooks",
            "secret": SECRET, "event_types": ["employee.created", "employee.exited"], **over}


def test_r_int_2_director_creates_reads_updates_and_deletes_a_subscription(api_as, director, org):
    client = api_as(director)
    created = client.post(URL, _body(org), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert "secret" not in data and SECRET not in created.content.decode()
    assert data["event_types"] == ["employee.created", "employee.exited"]
    sub = Subscription.objects.get(pk=data["id"])
    assert sub.secret == SECRET
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [sub.pk] and SECRET not in str(listed)
    changed = client.patch(f"{URL}{sub.pk}/", {"active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert Subscription.objects.get(pk=sub.pk).secret == SECRET  # kept when not given
    client.patch(f"{URL}{sub.pk}/", {"secret": "a-new-secret-of-enough-length"}, format="json")
    assert Subscription.objects.get(pk=sub.pk).secret == "a-new-secret-of-enough-length"
    assert client.delete(f"{URL}{sub.pk}/").status_code == 204
    assert not Subscription.objects.exists()
    actions = list(AuditEvent.objects.filter(object_type="events.subscription").order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["event_subscription.create", "event_subscription.update", "event_subscription.update",
                       "event_subscription.delete"]
    assert all(SECRET not in str(e.changes) for e in AuditEvent.objects.filter(object_type="events.subscription"))


@pytest.mark.parametrize(("over", "field"), [
    ({"url": "ftp://payroll.example.org/"}, "url"),
    ({"url": "http://payroll.example.org/"}, "url"),  # https only
    ({"url": "https://127.0.0.1/hooks"}, "url"),  # a loopback address
    ({"url": "https://10.0.0.8/hooks"}, "url"),  # a private address
    ({"event_types": ["application.exploded"]}, "event_types"),
    ({"event_types": []}, "event_types"),
    ({"secret": "short"}, "secret"),
    ({"colour": "blue"}, "colour"),
])
def test_r_int_2_bad_input_is_a_400_naming_the_field(api_as, director, org, over, field):
    response = api_as(director).post(URL, _body(org, **over), format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not Subscription.objects.exists()


def test_r_int_2_a_department_or_another_organisation_is_refused(api_as, director, org):
    client = api_as(director)
    for organisation in (org.emergency,):
        response = client.post(URL, _body(org, organisation_id=organisation.pk), format="json")
        assert response.status_code == 400 and "organisation" in str(response.json())


def test_r_int_2_only_hr_administrators_and_only_their_organisation(api_as, users, org):
    other = Subscription.objects.create(organisation=org.company, name="company", url="https://x.example.org/",
                                        secret=SECRET, event_types=["application.created"])
    for user in (users.hr, users.er_manager, users.interviewer):
        client = api_as(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, _body(org), format="json").status_code == 403
    # a user granted the permission outside the role table still sees only their organisation (the scope)
    from django.contrib.auth.models import Permission

    mine = Subscription.objects.create(organisation=org.hospital, name="hospital", url="https://y.example.org/",
                                       secret=SECRET, event_types=["application.created"])
    users.hr.user_permissions.add(*Permission.objects.filter(content_type__app_label="events",
                                                             codename__endswith="_subscription"))
    hr = type(users.hr).objects.get(pk=users.hr.pk)  # permission cache
    client = api_as(hr)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.patch(f"{URL}{other.pk}/", {"active": False}, format="json").status_code == 404
    assert client.post(URL, _body(org, organisation_id=org.company.pk), format="json").status_code == 400
    assert client.get(f"{URL}{mine.pk}/").status_code == 200


def test_r_int_2_admin_keeps_the_secret_write_only_and_replays(client, users, org, subscription):
    from hrsys.events.models import Delivery, Event

    client.force_login(users.admin)
    page = client.get(f"/admin/events/subscription/{subscription.pk}/change/")
    assert page.status_code == 200 and SECRET not in page.content.decode()
    event = Event.objects.create(type="application.created", organisation=org.hospital, body="{}")
    delivery = Delivery.objects.create(event=event, subscription=subscription, status="failed")
    listing = client.get("/admin/events/delivery/")
    assert listing.status_code == 200
    response = client.post("/admin/events/delivery/", {"action": "replay", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    replay = Delivery.objects.get(replay_of=delivery)
    assert replay.event == event and replay.status == "pending"
    assert AuditEvent.objects.filter(action="event_delivery.replay", actor=users.admin).count() == 1


def test_r_int_2_the_delivery_log_of_a_subscription_over_the_api(api_as, users, director, org, subscription):
    """GET event-deliveries/?subscription=<id>: newest first, filterable, ids and states only; HR's administrator
    only (403 for other roles), and only their organisations' subscriptions (another's lists nothing)."""
    from hrsys.events.models import Delivery, Event

    first = Event.objects.create(type="application.created", organisation=org.hospital, body="{}")
    second = Event.objects.create(type="application.moved", organisation=org.hospital, body="{}")
    old = Delivery.objects.create(event=first, subscription=subscription, status="delivered", attempt_count=1,
                                  last_status_code=200)
    new = Delivery.objects.create(event=second, subscription=subscription, status="failed", attempt_count=3,
                                  last_status_code=500, last_error="HTTP 500")
    other_sub = Subscription.objects.create(organisation=org.company, name="company", url="https://x.example.org/",
                                            secret=SECRET, event_types=["application.created"])
    Delivery.objects.create(event=Event.objects.create(type="application.created", organisation=org.company,
                                                       body="{}"), subscription=other_sub)
    client = api_as(director)
    url = "/api/v1/event-deliveries/"
    listed = client.get(url, {"subscription": subscription.pk})
    assert listed.status_code == 200, listed.content
    rows = listed.json()["results"]
    assert [r["id"] for r in rows] == [new.pk, old.pk]
    assert rows[0]["event_type"] == "application.moved" and rows[0]["event_id"] == str(second.pk)
    assert rows[0]["status"] == "failed" and rows[0]["attempt_count"] == 3 and rows[0]["last_status_code"] == 500
    assert SECRET not in listed.content.decode()
    mine = {"subscription": subscription.pk}
    assert [r["id"] for r in client.get(url, {**mine, "status": "delivered"}).json()["results"]] == [old.pk]
    assert [r["id"] for r in client.get(url, {**mine, "event_type": "application.moved"}).json()["results"]] \
        == [new.pk]
    assert client.get(url, {"status": "lost"}).status_code == 400
    for user in (users.hr, users.er_manager, users.interviewer):
        assert api_as(user).get(url).status_code == 403
    # granted the permission outside the role table, HR of the hospital still sees only its organisation's log
    from django.contrib.auth.models import Permission

    users.hr.user_permissions.add(Permission.objects.get(content_type__app_label="events",
                                                         codename="view_subscription"))
    hr = type(users.hr).objects.get(pk=users.hr.pk)  # permission cache
    assert {r["id"] for r in api_as(hr).get(url).json()["results"]} == {new.pk, old.pk}
    assert api_as(hr).get(url, {"subscription": other_sub.pk}).json()["results"] == []
