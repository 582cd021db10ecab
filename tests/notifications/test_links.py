"""Tracked links and email opens (R-NS-3, R-NS-4)."""

import pytest

from notifications.models import CandidateAction, Status, TrackedLink
from tests.notifications.conftest import PUBLIC, reload

pytestmark = pytest.mark.django_db


def test_every_link_is_rewritten_to_a_tracked_short_url(make_notification):
    n = make_notification(channel="sms")
    links = {link.target_url: link.token for link in n.links.all()}
    assert set(links) == {"https://portal.example.org/c/1", "https://portal.example.org/r/1"}
    assert "portal.example.org" not in n.body
    for token in links.values():
        assert f"{PUBLIC}/l/{token}" in n.body


def test_opening_a_link_records_time_agent_channel_and_redirects(make_notification, client):
    n = reload(make_notification(channel="sms", run=True))
    link = TrackedLink.objects.get(notification=n, target_url="https://portal.example.org/c/1")
    response = client.get(f"/l/{link.token}", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) MicroMessenger")
    assert response.status_code == 302 and response["Location"] == "https://portal.example.org/c/1"
    action = CandidateAction.objects.get()
    assert (action.kind, action.channel, action.link, action.notification) == ("link_open", "sms", link, n)
    assert "MicroMessenger" in action.user_agent and action.at
    assert reload(n).status == Status.READ and reload(n).read_at


def test_unknown_token_is_404(db, client):
    assert client.get("/l/not-a-token").status_code == 404
    assert not CandidateAction.objects.exists()


def test_email_has_html_tracked_links_and_open_pixel(make_notification, client, outbox):
    from django.core import mail

    n = reload(make_notification(channel="email", template_key="interview_invitation", run=True))
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert f"{PUBLIC}/l/o/{n.public_token}.gif" in html
    assert "portal.example.org" not in html and "portal.example.org" not in message.body
    response = client.get(f"/l/o/{n.public_token}.gif")
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert CandidateAction.objects.get().kind == "email_open"
    assert reload(n).status == Status.READ
