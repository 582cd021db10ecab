"""Pages, to-do links and exports: links open, exports hold only the viewer's rows and are logged
(R-DASH-1, R-DASH-4, R-SEC-1)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from attendance.models import ProbationReview
from dashboard.figures import FIGURES, PAGES
from dashboard.selectors import TODO_ITEMS
from dashboard.selectors.todo import COUNT_CAP
from hrsys.audit.models import AccessLog
from notifications.models import Notification
from onboarding.models import ApprovalDecision, ChecklistItem, Offer, OfferApproval, OnboardingCase
from tests.attendance.factories import active_account
from tests.candidates.factories import CredentialFactory

pytestmark = pytest.mark.django_db


def rows_of(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def pending_offer(history, users):
    offer = Offer.objects.create(application=history.a4, state="pending_approval", monthly_salary=9000,
                                 start_date=dt.date(2025, 7, 1), valid_until=dt.date(2025, 7, 1))
    return OfferApproval.objects.create(offer=offer, round=1, step=1, role="hiring_manager",
                                        approver=users.er_manager, decision=ApprovalDecision.PENDING,
                                        activated_at=dt.datetime(2025, 6, 10, tzinfo=dt.UTC))


@pytest.fixture
def after_hire(history, org):
    """A1 was hired: an onboarding task due yesterday, still open, and a probation review ending in 10 days;
    a finished task and a decided review that must not show."""
    case = OnboardingCase.objects.create(offer=Offer.objects.get(application=history.a1), application=history.a1,
                                         candidate=history.a1.candidate, department=org.emergency,
                                         start_date=dt.date(2025, 6, 1))
    ChecklistItem.objects.create(case=case, category="equipment", title="工牌与护士服", owner_role="manager",
                                 due_date=dt.date(2025, 6, 14))
    ChecklistItem.objects.create(case=case, category="documents", title="学历证书原件", owner_role="candidate",
                                 due_date=dt.date(2025, 6, 1), done_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    account = active_account(org.emergency, name="李护士", application=history.a1)
    ProbationReview.objects.create(account=account, application=history.a1, department=org.emergency,
                                   starts_on=dt.date(2025, 3, 25), ends_on=dt.date(2025, 6, 25))
    other = active_account(org.emergency, name="张医生")
    ProbationReview.objects.create(account=other, department=org.emergency, starts_on=dt.date(2025, 3, 20),
                                   ends_on=dt.date(2025, 6, 20), decision="pass")
    return case


def test_todo_items_link_to_where_they_are_handled_R_DASH_1(client, history, users, frozen, pending_offer,
                                                            after_hire):
    CredentialFactory(candidate=history.a4.candidate, expires_on=dt.date(2025, 7, 1))
    client.force_login(users.hr)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    sections = {s["key"]: s for s in response.context["todo"].extra["sections"]}
    assert sections["no_shows"]["count"] == 2
    assert sections["failed_notifications"]["count"] == 1
    assert sections["failed_notifications"]["items"][0]["label"].startswith("SMS · Interview reminder")
    assert sections["credentials"]["count"] == 1
    assert sections["stuck"]["count"] == 1
    assert sections["approvals"]["count"] == 1
    assert "er_manager" in sections["approvals"]["items"][0]["detail"] or users.er_manager.full_name in \
        sections["approvals"]["items"][0]["detail"]
    [review] = sections["probation"]["items"]
    assert (review["label"], review["when"]) == ("李护士", dt.date(2025, 6, 25))
    [task] = sections["onboarding"]["items"]
    assert task["label"].endswith("工牌与护士服") and task["when"] == dt.date(2025, 6, 14)
    assert task["url"] == reverse("admin:onboarding_onboardingcase_change", args=[after_hire.pk])
    links = [s["url"] for s in sections.values() if s["url"]] + \
        [i["url"] for s in sections.values() for i in s["items"]]
    assert len(links) >= 14
    for url in links:
        assert client.get(url).status_code == 200, url


def _failed_notifications(n, *, dept):
    Notification.objects.bulk_create([Notification(
        idempotency_key=f"failed-{i}", recipient_type="candidates.candidate", recipient_id="1", channel="sms",
        template_key="interview_reminder", body="x", due_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
        next_attempt_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC), status="failed", department=dept,
        failed_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i)) for i in range(n)])


def test_today_counts_stop_at_99_plus_and_show_the_newest_first_R_DASH_1(client, history, users, org, frozen):
    """A section with more than COUNT_CAP rows says "99+" (counting every failure of a year is not a to-do);
    below the cap the count is exact."""
    _failed_notifications(COUNT_CAP + 5, dept=org.emergency)  # and the history's one
    client.force_login(users.hr)
    response = client.get(reverse("dashboard:home"))
    sections = {s["key"]: s for s in response.context["todo"].extra["sections"]}
    failed = sections["failed_notifications"]
    assert (failed["count"], failed["more"]) == (COUNT_CAP, True)
    assert len(failed["items"]) == TODO_ITEMS
    whens = [i["when"] for i in failed["items"] if i["when"] is not None]  # the history's failure has no time
    assert len(whens) >= TODO_ITEMS - 1 and whens == sorted(whens, reverse=True)
    assert f'{COUNT_CAP}+</span>' in response.content.decode()
    assert (sections["no_shows"]["count"], sections["no_shows"]["more"]) == (2, False)
    Notification.objects.filter(idempotency_key__startswith="failed-").exclude(
        idempotency_key__in=[f"failed-{i}" for i in range(10)]).delete()  # 10 left, plus the history's one
    sections = {s["key"]: s for s in client.get(reverse("dashboard:home")).context["todo"].extra["sections"]}
    assert (sections["failed_notifications"]["count"], sections["failed_notifications"]["more"]) == (11, False)


def test_today_stays_live_and_its_queries_do_not_grow_with_the_data(client, history, users, org, frozen,
                                                                     pending_offer, after_hire,
                                                                     django_assert_max_num_queries):
    """Today is never cached: a failure recorded a moment ago shows on the next view; and full sections are
    counted together, so more rows never mean more queries."""
    client.force_login(users.hr)
    client.get(reverse("dashboard:home"))
    with django_assert_max_num_queries(22):
        first = client.get(reverse("dashboard:home"))
    assert {s["key"]: s for s in first.context["todo"].extra["sections"]}["failed_notifications"]["count"] == 1
    _failed_notifications(COUNT_CAP * 2, dept=org.emergency)
    with django_assert_max_num_queries(22):
        again = client.get(reverse("dashboard:home"))
    assert {s["key"]: s for s in again.context["todo"].extra["sections"]}["failed_notifications"]["more"]


def test_the_approver_is_sent_to_the_approval_page(client, history, users, frozen, pending_offer):
    client.force_login(users.er_manager)
    response = client.get(reverse("dashboard:home"))
    [item] = {s["key"]: s for s in response.context["todo"].extra["sections"]}["approvals"]["items"]
    assert item["url"] == reverse("onboarding:approval", args=[pending_offer.pk])
    assert client.get(item["url"]).status_code == 200


def test_manager_todo_leaves_out_other_departments_R_SEC_1(client, history, users, frozen):
    client.force_login(users.it_manager)
    sections = {s["key"]: s for s in client.get(reverse("dashboard:home")).context["todo"].extra["sections"]}
    assert sections["no_shows"]["count"] == 0 and sections["stuck"]["count"] == 0
    assert sections["failed_notifications"]["count"] == 0


@pytest.mark.parametrize("page", [p for p in PAGES if p != "home"])
def test_every_page_renders_with_and_without_data(client, users, page, request):
    client.force_login(users.hr)
    response = client.get(reverse("dashboard:page", args=[page]))
    assert response.status_code == 200
    request.getfixturevalue("history")
    response = client.get(reverse("dashboard:page", args=[page]), {"period": "week"})
    assert response.status_code == 200


def test_pages_show_figures_and_no_cdn(client, history, users, frozen):
    client.force_login(users.hr)
    html = client.get(reverse("dashboard:page", args=["funnel"])).content.decode()
    assert "<svg" in html and "急诊护士" in html and "http" not in html.split("<main>")[1].split("</main>")[0]
    assert "/static/dashboard/dashboard.css" in html
    assert ">Headline figures</a>" in html and "[" not in html.split('class="dash-tabs"')[1].split("</nav>")[0]


def test_chinese_labels(client, history, users, frozen):
    client.force_login(users.hr)
    html = client.get(reverse("dashboard:page", args=["funnel"]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in html


def test_interviewers_may_not_see_dashboards(client, users):
    client.force_login(users.interviewer)
    assert client.get(reverse("dashboard:home")).status_code == 403
    assert client.get(reverse("dashboard:export", args=["funnel"]), {"format": "csv"}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("dashboard:home")).status_code == 302


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_export_of_every_figure_is_logged_R_DASH_4(client, history, users, frozen, name):
    client.force_login(users.hr)
    response = client.get(reverse("dashboard:export", args=[name]), {"format": "csv"})
    assert response.status_code == 200
    assert rows_of(response)[0]  # header row
    log = AccessLog.objects.get(object_type=f"dashboard.{name}")
    assert log.kind == "export" and log.actor == users.hr and log.channel == "dashboard"


def test_exports_hold_only_the_viewers_departments_R_DASH_4_R_SEC_1(client, history, users, frozen):
    client.force_login(users.er_manager)
    sources = rows_of(client.get(reverse("dashboard:export", args=["sources"]), {"format": "csv"}))
    assert {r[0] for r in sources[1:]} == {"Job board", "Referral"}  # no agency: that is IT's
    costs = rows_of(client.get(reverse("dashboard:export", args=["costs"]), {"format": "csv"}))
    assert [r[0] for r in costs[1:]] == ["急诊护士"]
    # asking for IT's department or job gives nothing
    it = rows_of(client.get(reverse("dashboard:export", args=["funnel"]),
                            {"format": "csv", "job": history.it_job.pk}))
    assert it[1][1] == "0"
    client.force_login(users.it_manager)
    costs = rows_of(client.get(reverse("dashboard:export", args=["costs"]), {"format": "csv"}))
    assert [r[0] for r in costs[1:]] == ["运维工程师"]
    todo = rows_of(client.get(reverse("dashboard:export", args=["todo"]), {"format": "csv"}))
    assert not any("急诊护士" in cell for row in todo for cell in row)


def test_excel_export(client, history, users, frozen):
    client.force_login(users.er_manager)
    response = client.get(reverse("dashboard:export", args=["funnel"]), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "Stage" and values[1][1] == 4


def test_unknown_export_format_or_figure(client, users):
    client.force_login(users.hr)
    assert client.get(reverse("dashboard:export", args=["funnel"]), {"format": "pdf"}).status_code == 404
    assert client.get(reverse("dashboard:export", args=["nope"]), {"format": "csv"}).status_code == 404


def test_long_tables_show_the_first_100_rows_and_the_export_holds_all(client, org, users, frozen):
    from decimal import Decimal

    from dashboard.models import CostRecord
    from tests.candidates.factories import JobFactory

    for n in range(105):
        CostRecord.objects.create(job=JobFactory(department=org.emergency, title=f"岗位{n:03d}"), kind="job_board",
                                  month=dt.date(2025, 5, 1), amount=Decimal(100 + n))
    client.force_login(users.hr)
    response = client.get(reverse("dashboard:page", args=["sources"]))
    html = response.content.decode()
    costs = html[html.index('id="fig-costs"'):]
    assert costs.count("<tr>") == 101  # header + 100 rows
    assert "The first 100 of 105 rows" in costs
    rows = rows_of(client.get(reverse("dashboard:export", args=["costs"]) + "?format=csv"))
    assert len(rows) == 106


def test_pages_naming_people_are_logged_aggregates_are_not_R_SEC_3(client, history, users, frozen):
    client.force_login(users.hr)
    client.get(reverse("dashboard:home"))
    client.get(reverse("dashboard:page", args=["attrition"]))
    client.get(reverse("dashboard:page", args=["funnel"]))
    logged = set(AccessLog.objects.filter(actor=users.hr, kind="view", channel="dashboard")
                 .values_list("object_type", flat=True))
    # the feedback rate on the funnel page names each interviewer with their record (R-PIPE-7)
    assert logged == {"dashboard.todo", "dashboard.risks", "dashboard.feedback_rate"}
