"""Audit events for writes, access logs for reads, append-only (R-SEC-3, R-HOSP-2)."""

import pytest
from django.test import Client

from hrsys.accounts.services import user_update
from hrsys.audit.models import AccessLog, AppendOnlyError, AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_service_write_records_before_after_and_masks_personal_values(users):  # R-SEC-3
    user_update(actor=users.hr, user_id=users.interviewer.pk, full_name="周主任", phone="+8613911112222")
    event = AuditEvent.objects.get(action="user.update")
    assert event.actor == users.hr
    assert event.object_type == "accounts.user" and event.object_id == str(users.interviewer.pk)
    assert event.changes["full_name"][1] == "周主任"
    assert event.changes["phone"] == ["***", "***"]  # personal data never copied into the log in clear


def test_failed_write_leaves_no_audit_row(users):
    from django.core.exceptions import ValidationError

    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        user_update(actor=users.hr, user_id=users.interviewer.pk, role="emperor")
    assert AuditEvent.objects.count() == before


def test_audit_rows_are_append_only(users):
    user_update(actor=users.hr, user_id=users.interviewer.pk, full_name="x")
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="forged")


def test_admin_cannot_edit_or_delete_audit_rows_but_can_search(users):
    user_update(actor=users.hr, user_id=users.interviewer.pk, full_name="搜索我")
    client = Client()
    client.login(username="sysadmin", password=PASSWORD)
    event = AuditEvent.objects.get(action="user.update")
    page = client.get("/admin/audit/auditevent/?q=user.update")
    assert page.status_code == 200 and "user.update" in page.content.decode()
    # the change page is read-only and delete is refused
    change = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_api_detail_view_writes_access_log_with_request_id_and_ip(users, api_as):  # R-SEC-3
    response = api_as(users.hr).get(f"/api/v1/staff/{users.er_manager.pk}/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.kind, log.actor, log.object_id, log.channel) == ("view", users.hr, str(users.er_manager.pk), "api")
    assert log.ip == "10.1.2.3"
    assert log.request_id == response["X-Request-ID"]


def test_admin_detail_view_writes_access_log(users):  # R-SEC-3
    client = Client()
    client.login(username="hr", password=PASSWORD)
    client.get(f"/admin/accounts/user/{users.er_manager.pk}/change/")
    assert AccessLog.objects.filter(kind="view", object_id=str(users.er_manager.pk), channel="admin").exists()


def test_web_write_records_request_context(users):
    from hrsys.core import context

    token = context.set_current(context.RequestContext(request_id="abc123", ip="192.0.2.7"))
    try:
        user_update(actor=users.hr, user_id=users.interviewer.pk, full_name="上下文")
    finally:
        context.reset(token)
    event = AuditEvent.objects.get(action="user.update")
    assert (event.request_id, event.ip) == ("abc123", "192.0.2.7")
