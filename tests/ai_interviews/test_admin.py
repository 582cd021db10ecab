"""Where people see it: the result page in the admin with chart, media player, transcript and questions
(R-AI-4, R-AI-6); the import page with preview (R-AI-3); vendor secrets write-only (R-AI-1)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory

from hrsys.audit.models import AccessLog
from interviews.ai import services
from interviews.ai.models import AIInterviewResult, Vendor
from tests.ai_interviews.factories import QuestionFactory
from tests.ai_interviews.test_ingest import result_body


@pytest.fixture
def result(invited, post_result, worker, users):
    assert post_result(result_body(dimensions={"logic": 2, "comm": 0.8, "stress": 4})).status_code == 202
    worker.run()
    r = AIInterviewResult.objects.get()
    services.ai_media_upload(actor=users.hr, result_id=r.pk, kind="video", data=b"mp4-bytes", filename="v.mp4")
    QuestionFactory(text="请举例说明你如何分析复杂病例。", dimension="logic")
    return r


def test_r_ai_4_result_page_shows_chart_player_transcript_and_questions(result, client, users):
    client.force_login(users.er_manager)
    response = client.get(f"/admin/ai_interviews/aiinterviewresult/{result.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "逻辑思维" in html
    assert "<video controls" in html and "/api/v1/ai-interviews/media/" in html
    assert "问：……答：……" in html
    assert "请举例说明你如何分析复杂病例。" in html
    assert "cdn" not in html.lower()
    assert AccessLog.objects.filter(actor=users.er_manager, object_type="ai_interviews.aiinterviewresult").exists()


def test_r_ai_4_result_page_is_404_outside_scope(result, client, users):
    client.force_login(users.it_manager)
    assert client.get(f"/admin/ai_interviews/aiinterviewresult/{result.pk}/change/").status_code == 404


def test_r_ai_4_template_tag_for_other_apps(result, users):
    request = RequestFactory().get("/")
    request.user = users.hr
    html = Template("{% load ai_interviews %}{% ai_follow_up_questions app_id %}{% ai_result_panel app_id %}").render(
        Context({"request": request, "app_id": result.application_id}))
    assert "请举例说明你如何分析复杂病例。" in html and "<svg" in html
    request.user = users.it_manager
    html = Template("{% load ai_interviews %}{% ai_result_panel app_id %}").render(
        Context({"request": request, "app_id": result.application_id}))
    assert "No AI interview result yet." in html


def test_r_ai_3_admin_import_preview(invited, client, users):
    client.force_login(users.hr)
    url = "/admin/ai_interviews/aiinterviewresult/import/"
    assert client.get(url).status_code == 200
    data = b"assessment_id,result_id,overall_score,logic\nA-1,R-9,80,9\n"
    response = client.post(url, {"vendor": invited.vendor_id, "preview": "1",
                                 "file": SimpleUploadedFile("x.csv", data)})
    assert response.status_code == 200
    assert "logic" in response.content.decode() and "1-5" in response.content.decode()
    assert AIInterviewResult.objects.count() == 0


def test_r_ai_1_vendor_secret_is_write_only_and_kept(generic_vendor, client, users):
    client.force_login(users.admin)
    page = client.get(f"/admin/ai_interviews/vendor/{generic_vendor.pk}/change/").content.decode()
    assert generic_vendor.secret not in page
    assert client.get(f"/admin/ai_interviews/vendor/{generic_vendor.pk}/change/").status_code == 200
    client.force_login(users.hr)
    assert client.get(f"/admin/ai_interviews/vendor/{generic_vendor.pk}/change/").status_code == 403
    assert Vendor.objects.get().secret == generic_vendor.secret


def test_r_ai_4_application_page_in_the_admin_shows_the_ai_result(result, client, users):
    client.force_login(users.hr)
    html = client.get(f"/admin/candidates/application/{result.application_id}/change/").content.decode()
    assert 'id="ai-interview-result"' in html and "<svg" in html and "逻辑思维" in html
