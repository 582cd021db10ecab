"""The hiring manager's approvals inbox and approval page (issue 14 item 6; R-UI-6, R-OFFER-2)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from hrsys.audit.models import AccessLog, AuditEvent
from onboarding import services
from onboarding.models import ApprovalDecision, OfferApproval
from tests.onboarding.approval_world import offer_waiting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(users, org):
    return offer_waiting(users, org.emergency)


def _login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _page(client, approval, data=None):
    url = f"/offers/approvals/{approval.pk}/"
    return client.post(url, data) if data is not None else client.get(url)


def test_r_ui_6_inbox_lists_waiting_first_oldest_first_then_decided(users, org, client):
    """R-UI-6, R-OFFER-2: the waiting approvals (oldest first, with age, candidate, job, salary, band position in
    words), then the decided ones; other people's steps are not listed."""
    start = timezone.now()
    with time_machine.travel(start - dt.timedelta(days=3), tick=False):
        old = offer_waiting(users, org.emergency, name="张伟", salary=13000)  # above the band
    with time_machine.travel(start - dt.timedelta(hours=5), tick=False):
        new = offer_waiting(users, org.emergency, name="王芳", salary=9000)
    decided = offer_waiting(users, org.emergency, name="刘洋")
    services.offer_decide(actor=users.er_manager, approval_id=decided.approval.pk, decision="approve", comment="")
    offer_waiting(users, org.it, name="陈静")  # the IT manager's
    _login(client, users.er_manager)
    html = client.get("/offers/approvals/").content.decode()
    waiting, rest = html.split('id="approvals-decided"')
    assert waiting.index("张伟") < waiting.index("王芳") and "刘洋" not in waiting
    assert "刘洋" in rest and "Approved" in rest
    assert "陈静" not in html
    assert "3 days" in waiting and "5 hours" in waiting
    assert "above the band" in waiting and "within the band" in waiting
    assert "13000.00 CNY" in waiting and "急诊护士" in waiting
    assert f'href="/offers/approvals/{old.approval.pk}/"' in waiting and f"/offers/approvals/{new.approval.pk}/" in waiting
    log = AccessLog.objects.filter(actor=users.er_manager, kind="view", detail__startswith="offer approvals inbox").get()
    assert str(old.offer.pk) in log.detail


def test_r_ui_6_approval_page_shows_what_to_judge_with_personal_data_masked(world, users, client):
    """R-UI-6, R-OFFER-2: candidate (masked), résumé link to the scoped logged download, parsed summary with
    credential validity, match in words, AI result per dimension with vendor recommendation and recording, every
    round's feedback with dimension labels, band min/mid/max and position in words, start date, chain; logged."""
    _login(client, users.er_manager)
    response = _page(client, world.approval)
    assert response.status_code == 200
    html = response.content.decode()
    assert "李秀英" in html
    assert "13912345678" not in html and "+86 139****5678" in html
    assert "lixiuying@example.org" not in html and "l***@example.org" in html
    assert "110105199001011234" not in html
    assert f'href="/api/v1/resumes/{world.resume.pk}/file/"' in html and "李秀英-简历.pdf" in html
    assert "Bachelor" in html and "静脉穿刺, 急救" in html and "valid until" in html
    assert "5 years (the job asks for 2)" in html and "has 静脉穿刺, 急救" in html
    assert "strongly recommended" in html and "逻辑思维" in html and "75.0" in html
    assert f"/api/v1/ai-interviews/media/{world.media.pk}/" in html
    feedback = html.split('id="approval-feedback"')[1]
    assert feedback.count('class="feedback"') == 2 and "Strongly recommend" in feedback
    assert "沟通能力: 5" in feedback and "第2轮：操作规范" in feedback and str(users.interviewer) in feedback
    assert "8000.00" in html and "10000.00" in html and "12000.00" in html
    assert 'id="band-position" class="band band-within">within the band<' in html
    assert world.offer.start_date.strftime("%Y-%m-%d") in html
    assert "Hiring manager" in html and "Pending" in html
    assert AccessLog.objects.filter(actor=users.er_manager, kind="view", object_type="onboarding.offer",
                                    object_id=str(world.offer.pk)).exists()
    # the résumé and recording links answer the manager, and each is logged
    assert client.get(f"/api/v1/resumes/{world.resume.pk}/file/").status_code == 200
    assert AccessLog.objects.filter(actor=users.er_manager, kind="download", object_type="candidates.resume").exists()
    assert client.get(f"/api/v1/ai-interviews/media/{world.media.pk}/").status_code in (200, 206)


def test_r_offer_2_approve_from_the_page(world, users, client):
    """R-OFFER-2: approve -> the offer is approved (same service as the API), back to the inbox with a message."""
    _login(client, users.er_manager)
    response = _page(client, world.approval, {"decision": "approve", "comment": ""})
    assert response.status_code == 302 and response["Location"] == "/offers/approvals/"
    world.offer.refresh_from_db()
    assert world.offer.state == "approved"
    assert AuditEvent.objects.filter(action="offer.approval.approve", object_id=str(world.offer.pk)).exists()
    inbox = client.get("/offers/approvals/").content.decode()
    assert "is approved" in inbox and "Nothing is waiting for you." in inbox


def test_r_offer_2_ask_for_changes_sends_the_offer_back_to_hr_as_a_draft(world, users, client):
    """R-OFFER-2: ask for changes with a reason -> the offer is a draft again, the step says why, HR is told."""
    from notifications.models import Notification

    _login(client, users.er_manager)
    response = _page(client, world.approval, {"decision": "request_change", "comment": "薪资请按带宽中位数"})
    assert response.status_code == 302
    world.offer.refresh_from_db()
    step = OfferApproval.objects.get(pk=world.approval.pk)
    assert world.offer.state == "draft"
    assert step.decision == ApprovalDecision.CHANGES_REQUESTED and step.comment == "薪资请按带宽中位数"
    assert Notification.objects.filter(related_type="onboarding.offer", related_id=str(world.offer.pk)).exists()


def test_r_offer_2_reject_needs_a_reason_and_changes_nothing_without_one(world, users, client):
    """R-OFFER-2: rejecting (or asking for changes) without a reason is a field error; nothing changes."""
    _login(client, users.er_manager)
    for decision in ("reject", "request_change"):
        response = _page(client, world.approval, {"decision": decision, "comment": "  "})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="comment-errors"' in html and "Say why" in html and 'aria-invalid="true"' in html
        world.offer.refresh_from_db()
        assert world.offer.state == "pending_approval"
        assert OfferApproval.objects.get(pk=world.approval.pk).decision == ApprovalDecision.PENDING
    response = _page(client, world.approval, {"decision": "reject", "comment": "资历不足"})
    assert response.status_code == 302
    world.offer.refresh_from_db()
    assert world.offer.state == "rejected"


def test_r_offer_2_deciding_twice_is_refused_readably(world, users, client):
    """R-OFFER-2: a step already decided shows the decision, and a second POST changes nothing."""
    _login(client, users.er_manager)
    _page(client, world.approval, {"decision": "approve"})
    response = _page(client, world.approval, {"decision": "reject", "comment": "改主意"})
    assert response.status_code == 400
    assert 'id="approval-errors"' in response.content.decode()
    world.offer.refresh_from_db()
    assert world.offer.state == "approved"
    page = _page(client, world.approval).content.decode()
    assert 'id="approval-decide"' not in page and "Approved" in page


@pytest.mark.parametrize("who", ["it_manager", "interviewer", "hr"])
def test_r_offer_2_another_persons_approval_is_404(world, users, client, who):
    """R-OFFER-2: another department's manager, an interviewer and even HR get 404 for the manager's step, and
    cannot decide it."""
    _login(client, getattr(users, who))
    assert _page(client, world.approval).status_code == 404
    assert _page(client, world.approval, {"decision": "approve"}).status_code == 404
    world.offer.refresh_from_db()
    assert world.offer.state == "pending_approval"
    assert "李秀英" not in client.get("/offers/approvals/").content.decode()


def test_r_offer_2_a_manager_of_the_same_department_cannot_decide_anothers_step(world, users, org, client):
    """R-OFFER-2: same department, but the step is addressed to someone else -> 404."""
    from tests.factories import UserFactory

    deputy = UserFactory(username="er_deputy", role="manager", departments=[org.emergency])
    _login(client, deputy)
    assert _page(client, world.approval, {"decision": "approve"}).status_code == 404
    world.offer.refresh_from_db()
    assert world.offer.state == "pending_approval"


def test_r_ui_6_urgent_and_above_band_offer_is_flagged(users, org, client):
    """R-UI-6: an urgent job and a salary above the band are shown in words (chain: manager then HR director)."""
    w = offer_waiting(users, org.emergency, name="赵敏", salary=15000, priority="urgent")
    _login(client, users.er_manager)
    inbox = client.get("/offers/approvals/").content.decode()
    assert "urgent" in inbox and "above the band" in inbox
    html = _page(client, w.approval).content.decode()
    assert "band band-above\">above the band<" in html
    chain = html.split('id="approval-chain"')[1].split("</ol>")[0]
    assert "Hiring manager" in chain and "HR director" in chain
