"""Onboarding cases: checklist from the job's template (licence registration for clinical jobs), owners and due
dates, reminders, candidate progress, reschedule, cancel (R-ONB-1, R-ONB-2, R-HOSP-1, R-ATT-2). The employee file
made from the case is tested in ``tests/employees``."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from attendance.models import AccountState, AttendanceAccount
from hrsys.api.errors import Conflict
from notifications.models import Notification
from onboarding import selectors, services
from onboarding.models import (
    CaseState,
    ChecklistTemplate,
    ChecklistTemplateItem,
    OnboardingCase,
    OwnerRole,
)
from tests.attendance.factories import local
from tests.candidates.factories import CredentialFactory
from tests.onboarding.factories import PNG, band, interviewing_app, sent_offer

pytestmark = pytest.mark.django_db


def accept(users, app):
    offer = sent_offer(users, app)
    services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                        signature_png=PNG, accept_terms=True)
    return OnboardingCase.objects.get(offer=offer)


@pytest.fixture
def nurse_app(org):
    band(org.emergency)
    app = interviewing_app(org.emergency, required_credentials=["nurse_licence"])
    CredentialFactory(candidate=app.candidate, type="nurse_licence",
                      expires_on=timezone.localdate() + dt.timedelta(days=40))
    return app


def test_r_onb_2_job_template_with_licence_item_for_clinical_staff(users, org, nurse_app):
    template = ChecklistTemplate.objects.create(name="护士入职", job=nurse_app.job)
    ChecklistTemplateItem.objects.create(template=template, category="documents", title="学历证书原件",
                                         owner_role=OwnerRole.CANDIDATE, due_days=-2, order=1)
    ChecklistTemplateItem.objects.create(template=template, category="equipment", title="工牌与护士服",
                                         owner_role=OwnerRole.MANAGER, due_days=0, order=2)
    ChecklistTemplateItem.objects.create(template=template, category="licence", title="护士执业注册变更",
                                         owner_role=OwnerRole.HR, due_days=30, clinical_only=True, order=3)
    case = accept(users, nurse_app)
    items = list(case.items.order_by("order"))
    assert [i.title for i in items] == ["学历证书原件", "工牌与护士服", "护士执业注册变更"]
    assert items[1].owner == users.er_manager and items[2].owner == users.hr and items[0].owner is None
    assert items[0].due_date == case.start_date - dt.timedelta(days=2)
    assert AttendanceAccount.objects.filter(offer=case.offer, state=AccountState.SCHEDULED).exists()
    # idempotent
    assert services.onboarding_case_open(offer_id=case.offer_id).pk == case.pk
    assert case.items.count() == 3


def test_r_onb_2_default_checklist_reminders_and_progress(users, org, time_machine):
    band(org.emergency)
    app = interviewing_app(org.emergency)
    case = accept(users, app)
    staff_item = case.items.filter(owner=users.er_manager).first()
    assert staff_item is not None
    time_machine.move_to(local(staff_item.due_date - dt.timedelta(days=2), 9), tick=False)
    services.checklist_remind_due(now=timezone.now())
    services.checklist_remind_due(now=timezone.now())  # idempotent
    notes = Notification.objects.filter(related_type="onboarding.onboardingcase", related_id=str(case.pk),
                                        recipient_id=str(users.er_manager.pk))
    assert notes.count() == 2  # in-app + email, once
    with pytest.raises(Http404):
        services.checklist_item_complete_by_candidate(candidate_id=app.candidate_id, item_id=staff_item.pk)
    with pytest.raises(Http404):
        services.checklist_item_complete(actor=users.it_manager, item_id=staff_item.pk)
    services.checklist_item_complete(actor=users.er_manager, item_id=staff_item.pk, note="已领取")
    progress = selectors.onboarding_progress_for_candidate(app.candidate_id)[0]
    assert progress["done"] == 1 and progress["percent"] == round(100 / progress["total"])
    assert selectors.onboarding_progress_for_candidate(999999) == []


def test_r_att_2_case_reschedule_and_cancel(users, org, api_as):
    band(org.emergency)
    case = accept(users, interviewing_app(org.emergency))
    with pytest.raises(ValidationError):
        services.onboarding_case_reschedule(actor=users.hr, case_id=case.pk,
                                            start_date=timezone.localdate() - dt.timedelta(days=1))
    new = case.start_date + dt.timedelta(days=3)
    services.onboarding_case_reschedule(actor=users.hr, case_id=case.pk, start_date=new)
    case.refresh_from_db()
    assert case.start_date == new and AttendanceAccount.objects.get(offer=case.offer).effective_date == new
    with pytest.raises((PermissionDenied, Http404)):
        services.onboarding_case_cancel(actor=users.it_manager, case_id=case.pk, reason="x")
    services.onboarding_case_cancel(actor=users.hr, case_id=case.pk, reason="候选人放弃入职")
    assert OnboardingCase.objects.get(pk=case.pk).state == CaseState.CANCELLED
    assert AttendanceAccount.objects.get(offer=case.offer).state == AccountState.REVOKED
    with pytest.raises(Conflict):
        services.onboarding_case_cancel(actor=users.hr, case_id=case.pk, reason="again")


def test_r_onb_2_candidate_sees_progress_and_ticks_own_items_in_the_portal(users, org):
    from tests.portal.test_access import signed_in

    band(org.emergency)
    app = interviewing_app(org.emergency)
    case = accept(users, app)
    mine = case.items.filter(owner_role=OwnerRole.CANDIDATE).first()
    staff_item = case.items.exclude(owner_role=OwnerRole.CANDIDATE).first()
    assert mine is not None and staff_item is not None
    client = signed_in(app.candidate)
    page = client.get("/portal/onboarding/").content.decode()
    assert mine.title in page and staff_item.title in page
    assert f"/portal/onboarding/items/{mine.pk}/done/" in page  # only their own items get a button
    assert f"/portal/onboarding/items/{staff_item.pk}/done/" not in page
    assert client.post(f"/portal/onboarding/items/{mine.pk}/done/").status_code == 302
    mine.refresh_from_db()
    assert mine.done_at is not None
    # HR's and the manager's items are not the candidate's to tick
    assert client.post(f"/portal/onboarding/items/{staff_item.pk}/done/").status_code == 404
    staff_item.refresh_from_db()
    assert staff_item.done_at is None
    progress = selectors.onboarding_progress_for_candidate(app.candidate_id)[0]
    assert progress["done"] == 1


def test_r_onb_2_due_onboarding_tasks_on_the_hr_todo_list(users, org, client, time_machine):  # R-DASH-1
    band(org.emergency)
    app = interviewing_app(org.emergency)
    case = accept(users, app)
    item = case.items.filter(done_at__isnull=True).order_by("due_date").first()
    time_machine.move_to(local(item.due_date, 9), tick=False)
    client.force_login(users.hr)
    page = client.get("/dashboard/").content.decode()
    assert item.title in page and f"/admin/onboarding/onboardingcase/{case.pk}/change/" in page
    client.force_login(users.it_manager)  # another department's manager does not see it
    assert item.title not in client.get("/dashboard/").content.decode()
