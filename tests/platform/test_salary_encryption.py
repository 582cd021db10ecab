"""Salaries and notification texts encrypted at rest (R-SEC-2).

``onboarding_offer.monthly_salary`` / ``expected_salary``, ``onboarding_employee.monthly_salary`` and the
subject, text and HTML body of every notification hold AES-256-GCM tokens bound to ``table.column``; the ORM
reads Decimals and texts back, and everything computed from them (band position, approval routing, band bar,
API, admin, evidence export, key rotation) works on the decrypted values. The data migrations encrypt rows
written in plaintext under the old schema and decrypt them again when reversed.
"""

import base64
import csv
import datetime as dt
import io
import os
from decimal import Decimal

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from employees import services as employee_services
from employees.models import Employee
from hrsys.audit.models import AuditEvent
from hrsys.crypto import keys
from hrsys.settings import parse_data_keys
from notifications.models import Notification
from notifications.services import notification_create
from notifications.types import Recipient
from onboarding import selectors, services
from onboarding.models import ApprovalRole, Offer, OnboardingCase
from tests.attendance.factories import local
from tests.onboarding.factories import PNG, band, drafted, interviewing_app, sent_offer

SALARY = "12345.67"
SECRET_TEXT = "月薪 12345.67 元，试用期三个月"


@pytest.fixture(autouse=True)
def _no_side_effects(settings, monkeypatch):
    """No broker, no LibreOffice: deliveries and provisioning pushes are dropped, letters stay DOCX."""
    from attendance import tasks as attendance_tasks
    from notifications import tasks as notification_tasks

    settings.OFFER_LETTER_PDF = False
    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)
    monkeypatch.setattr(attendance_tasks, "enqueue_push", lambda *a, **k: None)


def _raw(table: str, column: str, pk: int):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cur.fetchone()[0]


def _set_raw(table: str, column: str, pk: int, value) -> None:
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def _assert_ciphertext(raw, *plain: str) -> None:
    assert isinstance(raw, str) and raw.startswith(f"{keys.PREFIX}:{keys.current_key_id()}:"), raw
    for text in plain:
        assert text not in raw


@pytest.fixture
def wide_band(org):
    return band(org.emergency, lo=8000, mid=11000, hi=15000)


@pytest.fixture
def offer(users, org, wide_band):
    return drafted(users, interviewing_app(org.emergency), salary=SALARY)


def _message(text: str, *, key: str) -> Notification:
    recipient = Recipient(type="candidates.candidate", id=4242, name="李娜", phone="+8613800138042",
                          email="lina@example.org")
    return notification_create(recipient=recipient, channel="email", template_key="generic_message",
                               context={"subject": "录用通知", "message": text, "url": ""}, idempotency_key=key)


# -- salaries -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_r_sec_2_offer_salary_raw_sql_holds_no_number_and_orm_reads_the_decimal(offer):
    raw = _raw("onboarding_offer", "monthly_salary", offer.pk)
    _assert_ciphertext(raw, "12345", "2345.6")
    assert raw.split(":")[0] == "enc1"
    fresh = Offer.objects.get(pk=offer.pk)
    assert fresh.monthly_salary == Decimal(SALARY) and isinstance(fresh.monthly_salary, Decimal)
    assert _raw("onboarding_offer", "expected_salary", offer.pk) is None and fresh.expected_salary is None


@pytest.mark.django_db
def test_r_sec_2_salary_reads_back_with_two_decimal_places_and_is_bound_to_its_column(users, org, wide_band):
    app = interviewing_app(org.emergency)
    offer = Offer.objects.create(application=app, monthly_salary=9000, expected_salary=Decimal("9500.5"),
                                 start_date=timezone.localdate(), valid_until=timezone.localdate())
    fresh = Offer.objects.get(pk=offer.pk)
    assert str(fresh.monthly_salary) == "9000.00" and str(fresh.expected_salary) == "9500.50"
    _assert_ciphertext(_raw("onboarding_offer", "expected_salary", offer.pk), "9500")
    # a token copied into another salary column does not decrypt there
    _set_raw("onboarding_offer", "expected_salary", offer.pk, _raw("onboarding_offer", "monthly_salary", offer.pk))
    with pytest.raises(keys.DecryptionError):
        Offer.objects.get(pk=offer.pk)


@pytest.mark.django_db
def test_r_sec_2_sql_cannot_compare_or_sort_encrypted_salaries(offer):
    """Comparisons of ciphertexts would be silently wrong: the field refuses every lookup but isnull."""
    with pytest.raises(FieldError):
        list(Offer.objects.filter(monthly_salary__gt=1))
    with pytest.raises(FieldError):
        list(Offer.objects.filter(monthly_salary=Decimal(SALARY)))
    assert Offer.objects.filter(expected_salary__isnull=True).get() == offer


@pytest.mark.django_db
@pytest.mark.parametrize(("salary", "position", "roles"), [
    ("14999.99", "within", [ApprovalRole.HIRING_MANAGER]),
    ("15000.01", "above", [ApprovalRole.HIRING_MANAGER, ApprovalRole.HR_DIRECTOR]),
])
def test_r_sec_2_band_position_and_approval_routing_use_the_decrypted_salary(users, org, wide_band, salary,
                                                                             position, roles):
    offer = drafted(users, interviewing_app(org.emergency), salary=salary)
    _assert_ciphertext(_raw("onboarding_offer", "monthly_salary", offer.pk), salary)
    stored = Offer.objects.get(pk=offer.pk)
    assert stored.band_position == position
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    assert [a.role for a in stored.approvals.order_by("step")] == roles
    bar = selectors.band_bar(Offer.objects.get(pk=offer.pk))
    assert bar["position"] == position and bar["offer"] == (round((float(salary) - 8000) / 7000 * 100, 1)
                                                             if position == "within" else 100.0)


@pytest.mark.django_db
def test_r_sec_2_below_band_is_still_refused_on_update(users, offer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        services.offer_update(actor=users.hr, offer_id=offer.pk, monthly_salary="7999.99")
    assert "monthly_salary" in err.value.message_dict
    assert Offer.objects.get(pk=offer.pk).monthly_salary == Decimal(SALARY)


@pytest.mark.django_db
def test_r_sec_2_audit_rows_do_not_copy_the_salary(users, offer):
    services.offer_update(actor=users.hr, offer_id=offer.pk, monthly_salary="13000.25", note="谈判后")
    events = AuditEvent.objects.filter(object_type="onboarding.offer", object_id=str(offer.pk))
    assert {"offer.draft", "offer.update"} <= set(events.values_list("action", flat=True))
    for event in events:
        assert "12345" not in str(event.changes) and "13000" not in str(event.changes)
    update = events.get(action="offer.update")
    assert update.changes["monthly_salary"] == ["***", "***"] and update.changes["note"] == ["", "谈判后"]
    assert Offer.objects.get(pk=offer.pk).monthly_salary == Decimal("13000.25")


@pytest.mark.django_db
def test_r_sec_2_offer_api_and_back_office_show_the_salary(users, offer, api_as):
    data = api_as(users.hr).get(f"/api/v1/offers/{offer.pk}/").json()
    assert data["monthly_salary"] == SALARY and data["expected_salary"] is None
    listed = api_as(users.hr).get("/api/v1/offers/").json()
    assert [o["monthly_salary"] for o in listed["results"]] == [SALARY]
    client = Client()
    client.force_login(users.hr)
    changelist = client.get("/admin/onboarding/offer/").content.decode()
    assert "12,345.67" in changelist or SALARY in changelist
    assert "o=4" not in changelist  # the salary column is not sortable (SQL would order ciphertexts)
    desk = client.get(f"/admin/onboarding/offer/{offer.pk}/desk/").content.decode()
    assert SALARY in desk


@pytest.mark.django_db
def test_r_sec_2_employee_salary_encrypted_and_shown_in_the_file(users, org, wide_band, api_as, time_machine):
    app = interviewing_app(org.emergency)
    offer = sent_offer(users, app, salary="11111.11")
    services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                        signature_png=PNG, accept_terms=True)
    case = OnboardingCase.objects.get(offer=offer)
    time_machine.move_to(local(case.start_date, 8), tick=False)
    employee = employee_services.employee_create(actor=users.hr, case_id=case.pk)
    _assert_ciphertext(_raw("onboarding_employee", "monthly_salary", employee.pk), "11111")
    assert Employee.objects.get(pk=employee.pk).monthly_salary == Decimal("11111.11")
    assert api_as(users.hr).get(f"/api/v1/employees/{employee.pk}/").json()["monthly_salary"] == "11111.11"
    created = AuditEvent.objects.get(action="onboarding.employee.create", object_id=str(employee.pk))
    assert "11111" not in str(created.changes)


# -- notification texts ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_r_sec_2_notification_texts_raw_sql_hold_no_text(users):
    n = _message(SECRET_TEXT, key="salary:1")
    for column in ("subject", "body", "html_body"):
        _assert_ciphertext(_raw("notifications_notification", column, n.pk), "12345.67", "月薪", "录用通知")
    fresh = Notification.objects.get(pk=n.pk)
    assert SECRET_TEXT in fresh.body and SECRET_TEXT in fresh.html_body and "录用通知" in fresh.subject


@pytest.mark.django_db
def test_r_sec_2_notification_texts_shown_in_api_admin_and_evidence_export(users, api_as):
    n = _message(SECRET_TEXT, key="salary:2")
    client = api_as(users.director)
    assert SECRET_TEXT in client.get(f"/api/v1/notifications/{n.pk}/").json()["body"]
    listed = client.get("/api/v1/notifications/", {"recipient_id": "4242"}).json()["results"]
    assert [r["subject"] for r in listed] == [n.subject] and "录用通知" in n.subject
    admin = Client()
    admin.force_login(users.director)
    assert SECRET_TEXT in admin.get(f"/admin/notifications/notification/{n.pk}/change/").content.decode()
    export = client.get("/api/v1/notifications/evidence/",
                        {"recipient_type": "candidates.candidate", "recipient_id": "4242", "format": "csv"})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert any(SECRET_TEXT in cell and "录用通知" in cell for row in rows for cell in row)


# -- key rotation ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_r_sec_2_rotate_keys_re_encrypts_salaries_and_notification_texts(settings, offer):
    n = _message(SECRET_TEXT, key="salary:3")
    new_key = base64.b64encode(os.urandom(32)).decode()
    settings.HRSYS_DATA_KEYS = parse_data_keys(f"ksal:{new_key}," + ",".join(
        f"{kid}:{base64.b64encode(k).decode()}" for kid, k in settings.HRSYS_DATA_KEYS.items()))
    call_command("rotate_keys", "--no-progress", stdout=open(os.devnull, "w"))
    assert _raw("onboarding_offer", "monthly_salary", offer.pk).startswith("enc1:ksal:")
    for column in ("subject", "body", "html_body"):
        assert _raw("notifications_notification", column, n.pk).startswith("enc1:ksal:")
    settings.HRSYS_DATA_KEYS = {"ksal": settings.HRSYS_DATA_KEYS["ksal"]}  # the old key dropped
    assert Offer.objects.get(pk=offer.pk).monthly_salary == Decimal(SALARY)
    assert SECRET_TEXT in Notification.objects.get(pk=n.pk).body


# -- the data migrations --------------------------------------------------------------------------------------


def _migrate(app_label: str, name: str | None):
    """Migrate one app to ``name`` (``None``: its latest migration); returns the project state's apps."""
    executor = MigrationExecutor(connection)
    target = (app_label, name) if name else next(n for n in executor.loader.graph.leaf_nodes() if n[0] == app_label)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_r_sec_2_salary_migration_encrypts_plaintext_rows_and_reverses(users, org, wide_band):
    offer = drafted(users, interviewing_app(org.emergency), salary=SALARY)
    other_app = interviewing_app(org.emergency)
    try:
        old = _migrate("onboarding", "0002_onboarding_cases_employees")
        # reversed: the existing row is a plain number again, in a decimal column
        assert Decimal(str(_raw("onboarding_offer", "monthly_salary", offer.pk))) == Decimal(SALARY)
        # a row written in plaintext under the old schema
        OldOffer = old.get_model("onboarding", "Offer")
        plain = OldOffer.objects.create(application_id=other_app.pk, monthly_salary=Decimal("9876.5"),
                                        expected_salary=Decimal("10000"), band_min=Decimal(8000),
                                        band_max=Decimal(10000), start_date=dt.date(2026, 1, 5),
                                        valid_until=dt.date(2026, 1, 1))
        assert Decimal(str(_raw("onboarding_offer", "monthly_salary", plain.pk))) == Decimal("9876.5")
    finally:
        _migrate("onboarding", None)
    _assert_ciphertext(_raw("onboarding_offer", "monthly_salary", offer.pk), "12345")
    _assert_ciphertext(_raw("onboarding_offer", "monthly_salary", plain.pk), "9876")
    _assert_ciphertext(_raw("onboarding_offer", "expected_salary", plain.pk), "10000")
    assert Offer.objects.get(pk=offer.pk).monthly_salary == Decimal(SALARY)
    reread = Offer.objects.get(pk=plain.pk)
    assert (reread.monthly_salary, reread.expected_salary) == (Decimal("9876.50"), Decimal("10000.00"))
    assert reread.band_position == "within"  # 9876.50 <= 10000 as a Decimal (as text "9876.50" > "10000")


@pytest.mark.django_db(transaction=True)
def test_r_sec_2_notification_migration_encrypts_plaintext_rows_and_reverses(users):
    from notifications.default_templates import install_defaults
    from notifications.models import EscalationPolicy, MessageTemplate

    install_defaults(MessageTemplate, EscalationPolicy)
    n = _message(SECRET_TEXT, key="salary:4")
    try:
        old = _migrate("notifications", "0004_onboarding_candidate_templates")
        assert SECRET_TEXT in _raw("notifications_notification", "body", n.pk)
        OldNotification = old.get_model("notifications", "Notification")
        due = timezone.now()
        plain = OldNotification.objects.create(
            idempotency_key="old-schema", recipient_type="candidates.candidate", recipient_id="5",
            channel="sms", template_key="generic_message", subject="旧的主题", body="旧的正文 9999 元",
            due_at=due, next_attempt_at=due)
        assert _raw("notifications_notification", "body", plain.pk) == "旧的正文 9999 元"
    finally:
        _migrate("notifications", None)
    for column, text in (("subject", "旧的主题"), ("body", "旧的正文"), ("html_body", None)):
        raw = _raw("notifications_notification", column, plain.pk)
        if text is None:
            assert raw == ""  # nothing to protect: empty stays empty
        else:
            _assert_ciphertext(raw, text, "9999")
    _assert_ciphertext(_raw("notifications_notification", "body", n.pk), "12345.67")
    reread = Notification.objects.get(pk=plain.pk)
    assert (reread.subject, reread.body) == ("旧的主题", "旧的正文 9999 元")
    assert SECRET_TEXT in Notification.objects.get(pk=n.pk).body
