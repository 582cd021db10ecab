"""Every read of people's data is in the access log: each detail, file and export endpoint, one request by HR of
the hospital, exactly one new AccessLog row naming that user, the kind of access, the object's type and id
(R-SEC-3). A read outside the reader's scope is a 404 and logs nothing (R-SEC-1)."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from hrsys.audit.models import AccessLog
from interviews.ai import services as ai_services
from tests.platform import hospital as h
from tests.portal.test_access import signed_in

pytestmark = pytest.mark.django_db
hospital_settings, w = h.hospital_settings, h.w  # the fixtures


@dataclass
class Read:
    id: str
    build: Callable  # (w) -> namespace of hospital objects
    url: Callable  # (o) -> str with its query
    logged: Callable  # (o) -> (kind, object type, object id)
    via: str = "api"  # api: DRF client as HR; web: the staff session (dashboard pages); portal: the candidate
    detail: bool = True  # one object: outside the scope a 404


def _media(w):
    o = h.ai_result(w)
    o.media = ai_services.ai_media_upload(actor=w.hr, result_id=o.result.pk, kind="audio", data=b"ID3audio",
                                          filename="a.mp3", content_type="audio/mpeg")
    return o


def _month(w):
    h.working_account(w)
    return None


READS = [
    # candidates
    Read("candidate-detail", h.candidate_files, lambda o: f"/api/v1/candidates/{o.candidate.pk}/",
         lambda o: ("view", "candidates.candidate", o.candidate.pk)),
    Read("candidate-timeline", h.candidate_files, lambda o: f"/api/v1/candidates/{o.candidate.pk}/timeline/",
         lambda o: ("view", "candidates.candidate", o.candidate.pk)),
    Read("application-detail", h.candidate_files, lambda o: f"/api/v1/applications/{o.app.pk}/",
         lambda o: ("view", "candidates.application", o.app.pk)),
    Read("resume-detail", h.candidate_files, lambda o: f"/api/v1/resumes/{o.resume.pk}/",
         lambda o: ("view", "candidates.resume", o.resume.pk)),
    Read("resume-download", h.candidate_files, lambda o: f"/api/v1/resumes/{o.resume.pk}/file/",
         lambda o: ("download", "candidates.resume", o.resume.pk)),
    Read("credential-detail", h.candidate_files, lambda o: f"/api/v1/credentials/{o.credential.pk}/",
         lambda o: ("view", "candidates.credential", o.credential.pk)),
    Read("credential-download", h.candidate_files, lambda o: f"/api/v1/credentials/{o.credential.pk}/file/",
         lambda o: ("download", "candidates.credential", o.credential.pk)),
    Read("candidate-export", h.candidate_files, lambda o: "/api/v1/candidates/export/?format=csv",
         lambda o: ("export", "candidates.candidate", ""), detail=False),
    Read("application-export", h.candidate_files, lambda o: "/api/v1/applications/export/?format=xlsx",
         lambda o: ("export", "candidates.application", ""), detail=False),
    # AI interviews
    Read("ai-result", h.ai_result, lambda o: f"/api/v1/ai-interviews/applications/{o.app.pk}/result/",
         lambda o: ("view", "ai_interviews.aiinterviewresult", o.result.pk)),
    Read("ai-media-view", _media, lambda o: f"/api/v1/ai-interviews/media/{o.media.pk}/",
         lambda o: ("view", "ai_interviews.aimedia", o.media.pk)),
    Read("ai-media-download", _media, lambda o: f"/api/v1/ai-interviews/media/{o.media.pk}/?download=1",
         lambda o: ("download", "ai_interviews.aimedia", o.media.pk)),
    # interviews and their feedback
    Read("interview-detail", h.booked_interview, lambda o: f"/api/v1/interviews/{o.interview.pk}/",
         lambda o: ("view", "interviews.interview", o.interview.pk)),
    Read("interview-feedback", h.booked_interview, lambda o: f"/api/v1/interviews/{o.interview.pk}/earlier-feedback/",
         lambda o: ("view", "interviews.interview", o.interview.pk)),
    # offers and the letter
    Read("offer-detail", h.draft_offer, lambda o: f"/api/v1/offers/{o.offer.pk}/",
         lambda o: ("view", "onboarding.offer", o.offer.pk)),
    Read("offer-portal-page", h.sent, lambda o: f"/portal/offers/{o.offer.pk}/",
         lambda o: ("view", "onboarding.offer", o.offer.pk), via="portal"),
    Read("offer-letter-download", h.sent, lambda o: f"/portal/offers/{o.offer.pk}/letter/docx/",
         lambda o: ("download", "onboarding.offer", o.offer.pk), via="portal"),
    # onboarding cases and employee files
    Read("onboarding-case-detail", h.onboarding_case, lambda o: f"/api/v1/onboarding/cases/{o.case.pk}/",
         lambda o: ("view", "onboarding.onboardingcase", o.case.pk)),
    Read("employee-detail", h.employee, lambda o: f"/api/v1/employees/{o.employee.pk}/",
         lambda o: ("view", "employees.employee", o.employee.pk)),
    # attendance reports
    Read("attendance-report-csv", _month, lambda o: "/api/v1/attendance/reports/monthly/?month=2026-02&format=csv",
         lambda o: ("export", "attendance.monthlyreport", ""), detail=False),
    Read("attendance-report-xlsx", _month, lambda o: "/api/v1/attendance/reports/monthly/?month=2026-02&format=xlsx",
         lambda o: ("export", "attendance.monthlyreport", ""), detail=False),
    # notifications
    Read("notification-detail", h.failed_notification, lambda o: f"/api/v1/notifications/{o.notification.pk}/",
         lambda o: ("view", "notifications.notification", o.notification.pk)),
    Read("notification-evidence-export", h.failed_notification,
         lambda o: f"/api/v1/notifications/evidence/?recipient_type=candidates.candidate&recipient_id={o.candidate.pk}"
                   "&format=csv",
         lambda o: ("export", "candidates.candidate", o.candidate.pk)),
    # dashboards
    Read("dashboard-figure", h.candidate_files, lambda o: "/api/v1/dashboard/figures/funnel/",
         lambda o: ("view", "dashboard.funnel", ""), detail=False),
    Read("dashboard-export-csv", h.candidate_files, lambda o: "/dashboard/export/funnel/?format=csv",
         lambda o: ("export", "dashboard.funnel", ""), via="web", detail=False),
    Read("dashboard-export-xlsx", h.candidate_files, lambda o: "/dashboard/export/risks/?format=xlsx",
         lambda o: ("export", "dashboard.risks", ""), via="web", detail=False),
]


def _client(via, user, o, api_as):
    if via == "api":
        return api_as(user)
    if via == "portal":
        return signed_in(o.app.candidate)
    client = Client()
    client.force_login(user)
    return client


def _get(client, url):
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # a file is read to its end, as a download would
    return response


@pytest.mark.parametrize("read", READS, ids=[r.id for r in READS])
def test_r_sec_3_every_read_writes_exactly_one_access_log_row(read, w, api_as):
    """R-SEC-3: one request, one AccessLog row: who (the user; a candidate in the portal by label), what kind,
    which object. R-SEC-1: HR of another organisation gets the 404 of an unknown object, and no row."""
    o = read.build(w)
    if read.detail and read.via == "api":
        outside = _get(api_as(w.hr_company), read.url(o))
        assert outside.status_code == 404, outside.content
        assert not AccessLog.objects.exists()
    seen = set(AccessLog.objects.values_list("pk", flat=True))
    response = _get(_client(read.via, w.hr, o, api_as), read.url(o))
    assert response.status_code == 200, response.content[:500] if not response.streaming else response
    rows = list(AccessLog.objects.exclude(pk__in=seen))
    assert len(rows) == 1, [(r.kind, r.object_type, r.object_id, r.detail) for r in rows]
    row = rows[0]
    kind, object_type, object_id = read.logged(o)
    actor = (None, f"candidate:{o.app.candidate_id}") if read.via == "portal" else (w.hr.pk, "")
    assert (row.actor_id, row.actor_label) == actor
    assert (row.kind, row.object_type, row.object_id) == (kind, object_type, str(object_id))
