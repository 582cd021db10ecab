"""The outbox searched by the candidate, and the candidate's messages from the candidate and application pages
(issue 14 item 8). R-UI-2: HR find a candidate's messages by name (or exactly by phone / e-mail) in the admin and
the API, and follow "Messages" from the application page. R-SEC-1: only within the viewer's scope; a candidate
outside it gives an empty list, never a leak."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from notifications.catalog import template_label
from tests.candidates.factories import ApplicationFactory, CandidateFactory, JobFactory
from tests.factories import UserFactory

CHANGELIST = "/admin/notifications/notification/"
API = "/api/v1/notifications/"


@pytest.fixture
def people(org, make_notification):
    """武磊 applies in the emergency department (two messages), 李娜 likewise (one); 武磊明 applies at the company
    (one message there)."""
    wu = ApplicationFactory(job=JobFactory(department=org.emergency), candidate__name="武磊",
                            candidate__phone="+8613912345678", candidate__email="wulei@example.org")
    li = ApplicationFactory(job=JobFactory(department=org.emergency), candidate__name="李娜")
    other = ApplicationFactory(job=JobFactory(department=org.company), candidate__name="武磊明")
    mk = lambda app, channel, dept, key="interview_invitation": make_notification(  # noqa: E731
        recipient=app.candidate.as_recipient(), channel=channel, department=dept, template_key=key,
        idempotency_key=f"t:{app.pk}:{channel}:{key}", run=True)
    return type("People", (), {
        "wu": wu, "li": li, "other": other,
        "wu_sms": mk(wu, "sms", org.emergency), "wu_email": mk(wu, "email", org.emergency, "interview_reminder"),
        "li_sms": mk(li, "sms", org.emergency), "other_sms": mk(other, "sms", org.company),
    })


@pytest.fixture
def company_hr(org):
    return UserFactory(username="co_hr", role="hr_staff", departments=[org.company])


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _admin_ids(user, **params):
    response = _client(user).get(CHANGELIST, params)
    assert response.status_code == 200
    return {n.pk for n in response.context["cl"].result_list}


def _api_ids(api_as, user, **params):
    response = api_as(user).get(API, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_r_ui_2_admin_search_by_name_finds_the_candidates_messages(users, people):
    """R-UI-2: "武磊" in the outbox search box finds his messages (and 武磊明's only where HR may see them)."""
    assert _admin_ids(users.hr, q="武磊") == {people.wu_sms.pk, people.wu_email.pk}
    assert _admin_ids(users.hr, q="李") == {people.li_sms.pk}
    assert _admin_ids(users.director, q="武磊") == {people.wu_sms.pk, people.wu_email.pk, people.other_sms.pk}
    # exactly by phone or e-mail through the blind index; a part of a phone number finds nothing
    assert _admin_ids(users.hr, q="139 1234 5678") == {people.wu_sms.pk, people.wu_email.pk}
    assert _admin_ids(users.hr, q="WuLei@example.org") == {people.wu_sms.pk, people.wu_email.pk}
    assert _admin_ids(users.hr, q="1234567") == set()
    # the existing search still works, OR'd with the candidate search
    assert _admin_ids(users.hr, q="interview_reminder") == {people.wu_email.pk}
    assert _admin_ids(users.hr, q="") == {people.wu_sms.pk, people.wu_email.pk, people.li_sms.pk}


def test_r_ui_2_api_search_by_name_finds_the_candidates_messages(users, people, api_as):
    """R-UI-2: GET /api/v1/notifications/?search=武磊 lists his messages; ?candidate=<id> one candidate's."""
    assert _api_ids(api_as, users.hr, search="武磊") == {people.wu_sms.pk, people.wu_email.pk}
    assert _api_ids(api_as, users.hr, search="+86 139 1234 5678") == {people.wu_sms.pk, people.wu_email.pk}
    assert _api_ids(api_as, users.hr, search="武磊", channel="email") == {people.wu_email.pk}
    assert _api_ids(api_as, users.hr, candidate=people.li.candidate_id) == {people.li_sms.pk}


def test_r_sec_1_hr_of_another_organisation_finds_nothing(users, people, company_hr, api_as):
    """R-SEC-1: the company's HR searching "武磊" sees only the company's 武磊明, never the hospital's 武磊; his
    phone number finds nothing for them."""
    assert _admin_ids(company_hr, q="武磊") == {people.other_sms.pk}
    assert _admin_ids(company_hr, q="+8613912345678") == set()
    assert _api_ids(api_as, company_hr, search="武磊") == {people.other_sms.pk}
    assert _api_ids(api_as, company_hr, search="wulei@example.org") == set()
    # and the hospital HR never sees the company's message
    assert _admin_ids(users.hr, q="武磊明") == set()


def test_r_sec_1_candidate_filter_outside_the_scope_shows_nothing(users, people, company_hr, api_as):
    """R-SEC-1: ?candidate=<id> lists that candidate's messages; outside the viewer's scope (or unknown, or not a
    number) an empty list, exactly as for a candidate that does not exist, with no name shown."""
    assert _admin_ids(users.hr, candidate=people.wu.candidate_id) == {people.wu_sms.pk, people.wu_email.pk}
    response = _client(company_hr).get(CHANGELIST, {"candidate": people.wu.candidate_id})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert "武磊" not in response.content.decode()
    assert _admin_ids(users.hr, candidate=people.other.candidate_id) == set()
    assert _admin_ids(users.hr, candidate=999999) == set()
    assert _admin_ids(users.hr, candidate="x") == set()
    assert _api_ids(api_as, company_hr, candidate=people.wu.candidate_id) == set()
    assert api_as(users.hr).get(API, {"candidate": "x"}).status_code == 400


def test_r_ui_2_application_page_lists_the_messages_with_links(users, people):
    """R-UI-2: the application page has a "Messages" section: channel, what the message is, status, sent time in
    Asia/Shanghai, a link to each message's page and one to all the candidate's messages; the candidate page links
    to them too."""
    client = _client(users.hr)
    page = client.get(reverse("admin:candidates_application_change", args=[people.wu.pk])).content.decode()
    section = page[page.index('id="application-messages"'):]
    for n in (people.wu_sms, people.wu_email):
        assert reverse("admin:notifications_notification_change", args=[n.pk]) in section
    assert reverse("admin:notifications_notification_change", args=[people.li_sms.pk]) not in section
    with translation.override("zh-hans"):  # the human labels of the messages, in the page's language
        assert template_label("interview_invitation") in section and template_label("interview_reminder") in section
    assert "2026-11-23 10:" in section  # sent at 02:xx UTC, shown in Shanghai time
    all_url = f"{CHANGELIST}?candidate={people.wu.candidate_id}"
    assert all_url in section
    candidate_page = client.get(reverse("admin:candidates_candidate_change", args=[people.wu.candidate_id]))
    assert all_url in candidate_page.content.decode()


def test_r_ui_2_application_page_without_messages(users, org):
    """R-UI-2: no messages yet: the section says so."""
    app = ApplicationFactory(job=JobFactory(department=org.emergency), candidate=CandidateFactory(name="周杰"))
    page = _client(users.hr).get(reverse("admin:candidates_application_change", args=[app.pk])).content.decode()
    with translation.override("zh-hans"):
        assert 'id="application-messages"' in page and gettext("No messages to this candidate yet.") in page
