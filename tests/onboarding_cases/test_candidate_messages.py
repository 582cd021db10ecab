"""What the new hire is told between the offer and the first day, each in a template HR can word (R-NS-2,
R-OFFER-4, R-ONB-2, R-ATT-2): welcome after accepting, offer withdrawn or expired, start date changed,
onboarding tasks due."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance import services as att_services
from attendance.models import AttendanceAccount
from notifications.models import Notification
from onboarding import services as offer_services
from onboarding.models import ChecklistItem, OwnerRole
from tests.attendance.factories import local
from tests.onboarding.factories import band, interviewing_app, sent_offer
from tests.onboarding_cases.test_cases import accept

pytestmark = pytest.mark.django_db


def messages_to(candidate, key_part):
    return Notification.objects.filter(recipient_type="candidates.candidate", recipient_id=str(candidate.pk),
                                       idempotency_key__contains=key_part)


@pytest.fixture
def nurse(org):
    band(org.emergency)
    app = interviewing_app(org.emergency)
    app.candidate.preferred_language = "zh-hans"
    app.candidate.save(update_fields=["preferred_language"])
    return app


def test_welcome_after_accepting_names_the_start_date_and_the_portal(users, nurse):
    case = accept(users, nurse)
    sms = messages_to(nurse.candidate, ":accepted:candidate:sms").get()
    assert sms.template_key == "offer_accepted"
    assert case.start_date.isoformat() in sms.body
    assert "/portal/" in sms.links.get().target_url  # the portal link, tracked
    assert nurse.job.organization_name in sms.subject or nurse.job.organization_name in sms.body


def test_withdrawn_and_expired_offers_are_explained(users, org, nurse, time_machine):
    offer = sent_offer(users, nurse)
    offer_services.offer_withdraw(actor=users.hr, offer_id=offer.pk, reason="编制调整")
    withdrawn = messages_to(nurse.candidate, ":withdrawn:candidate:sms").get()
    assert withdrawn.template_key == "offer_withdrawn" and "已撤回" in withdrawn.body and nurse.job.title in withdrawn.body

    other = interviewing_app(org.emergency)
    late = sent_offer(users, other)
    time_machine.move_to(local(late.valid_until + dt.timedelta(days=1), 9), tick=False)
    assert offer_services.offers_expire_due(now=timezone.now())["expired"] == 1
    expired = messages_to(other.candidate, ":expired:candidate:email").get()
    assert expired.template_key == "offer_expired" and other.job.title in expired.subject


def test_a_moved_start_date_tells_the_new_date_and_the_clock_in_id(users, nurse):
    case = accept(users, nurse)
    account = AttendanceAccount.objects.get(offer=case.offer)
    new = case.start_date + dt.timedelta(days=5)
    att_services.attendance_account_reschedule(actor=users.hr, account_id=account.pk, start_date=new)
    sms = messages_to(nurse.candidate, ":moved:").filter(channel="sms").get()
    assert sms.template_key == "start_date_changed"
    assert new.isoformat() in sms.body and account.clock_id in sms.body


def test_onboarding_task_reminders_say_due_or_overdue(users, nurse, time_machine):
    case = accept(users, nurse)
    item = ChecklistItem.objects.filter(case=case, owner_role=OwnerRole.CANDIDATE).order_by("due_date").first()
    time_machine.move_to(local(item.due_date - dt.timedelta(days=1), 9), tick=False)
    offer_services.checklist_remind_due(now=timezone.now())
    due = messages_to(nurse.candidate, f"onboarding:item:{item.pk}:").filter(channel="sms").order_by("pk")
    assert due.count() == 1 and due[0].template_key == "onboarding_task_reminder"
    assert "将于" in due[0].body and item.title in due[0].body
    time_machine.move_to(local(item.due_date + dt.timedelta(days=2), 9), tick=False)
    offer_services.checklist_remind_due(now=timezone.now())
    overdue = due.last()
    assert due.count() == 2 and "已于" in overdue.body and item.due_date.isoformat() in overdue.body
