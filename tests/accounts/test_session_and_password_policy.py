"""Password policy, idle timeout and log retention (R-SEC-9)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from hrsys.accounts.models import PasswordHistory
from hrsys.audit.models import AccessLog, AppendOnlyError, AuditEvent
from hrsys.audit.services import access_log, audit_logs_purge, audit_record

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def _codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {error.code for error in exc.error_list}
    return set()


# -- password policy ------------------------------------------------------------------------------------------

def test_r_sec_9_passwords_need_twelve_characters_and_three_kinds(users):
    assert "password_too_short" in _codes("Ab1!Ab1!Ab1", users.hr)  # 11
    assert _codes("wardround-0427", users.hr) == set()  # lower, symbol, digit
    assert _codes("Wardroundnight", users.hr) == {"password_too_simple"}  # upper, lower only
    assert _codes("wardroundnight42", users.hr) == {"password_too_simple"}  # lower, digits only
    assert _codes("WARDROUND 0427", users.hr) == set()  # upper, symbol (space), digit


def test_r_sec_9_none_of_the_last_five_passwords_again(users):
    user = users.hr
    passwords = [f"Ward-round-{n:02d}" for n in range(6)]
    for password in passwords:
        assert _codes(password, user) == set(), password
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for recent in passwords[1:]:
        assert _codes(recent, user) == {"password_reused"}, recent
    assert _codes(passwords[0], user) == set()  # the sixth back may come again


def test_r_sec_9_the_admin_password_form_applies_the_policy(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users.admin)
    url = f"/admin/accounts/user/{users.hr.pk}/password/"
    weak = client.post(url, {"password1": "wardroundnight", "password2": "wardroundnight", "usable_password": "true"})
    assert weak.status_code == 200 and "at least three of these" in weak.content.decode()
    ok = client.post(url, {"password1": "Ward-round-77", "password2": "Ward-round-77", "usable_password": "true"})
    assert ok.status_code == 302
    again = client.post(url, {"password1": "Ward-round-77", "password2": "Ward-round-77", "usable_password": "true"})
    assert again.status_code == 200 and "differ from your last" in again.content.decode()


# -- idle timeout ---------------------------------------------------------------------------------------------

@pytest.fixture
def idle_30(settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30


def test_r_sec_9_a_staff_session_ends_after_thirty_idle_minutes(users, idle_30):
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users.hr)
        assert client.get("/dashboard/").status_code == 200
        for _ in range(3):  # in use: each request within the half hour keeps it alive
            clock.shift(dt.timedelta(minutes=25))
            assert client.get("/dashboard/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/dashboard/")
        assert response.status_code == 302 and response["Location"] == "/admin/login/?next=%2Fdashboard%2F"
        assert client.get("/dashboard/")["Location"].startswith("/admin/login/")  # signed out, not only redirected


def test_r_sec_9_an_idle_session_answers_the_api_with_401(users, idle_30):
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users.hr)
        assert client.get("/api/v1/me/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/api/v1/me/")
        assert response.status_code == 401 and response.json()["error"]["code"] == "session_expired"


# -- log retention --------------------------------------------------------------------------------------------

def _old_and_new_rows(users):
    with time_machine.travel(T0 - dt.timedelta(days=200)):
        audit_record(actor=users.hr, action="user.update", obj=users.hr)
        access_log(actor=users.hr, kind=AccessLog.Kind.VIEW, obj=users.hr)
    with time_machine.travel(T0 - dt.timedelta(days=170)):
        audit_record(actor=users.hr, action="user.update", obj=users.hr)
        access_log(actor=users.hr, kind=AccessLog.Kind.VIEW, obj=users.hr)


def test_r_sec_9_a_purge_refuses_rows_younger_than_180_days(users):
    _old_and_new_rows(users)
    with time_machine.travel(T0), pytest.raises(ValidationError):
        audit_logs_purge(actor="audit_purge", before=T0 - dt.timedelta(days=179))
    assert AuditEvent.objects.count() == 2 and AccessLog.objects.count() == 2
    with time_machine.travel(T0), pytest.raises(CommandError):
        call_command("audit_purge", "--older-than-days", "30")
    assert AuditEvent.objects.count() == 2


def test_r_sec_9_a_purge_deletes_only_rows_past_retention_and_is_audited(users):
    _old_and_new_rows(users)
    with time_machine.travel(T0):
        call_command("audit_purge")
    assert AccessLog.objects.count() == 1
    purge = AuditEvent.objects.get(action="audit_log.purge")
    assert purge.changes == {"audit_events": [1, 0], "access_log": [1, 0]}
    assert AuditEvent.objects.filter(action="user.update").count() == 1


def test_r_sec_9_audit_and_access_logs_cannot_be_deleted_through_the_admin_or_the_orm(users):
    audit_record(actor=users.hr, action="user.update", obj=users.hr)
    access_log(actor=users.hr, kind=AccessLog.Kind.VIEW, obj=users.hr)
    client = Client()
    client.force_login(users.admin)  # a superuser
    for model, row in (("auditevent", AuditEvent.objects.get()), ("accesslog", AccessLog.objects.get())):
        assert client.get(f"/admin/audit/{model}/{row.pk}/delete/").status_code == 403
        assert client.post(f"/admin/audit/{model}/", {"action": "delete_selected",
                                                      "_selected_action": [row.pk]}).status_code in (200, 302)
    assert AuditEvent.objects.count() == 1 and AccessLog.objects.count() == 1
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
