"""Recordings and reports: fetched from the vendor, encrypted at rest, streamed in scope only, every view
and download logged, purged after the vendor's retention period (R-AI-6)."""

import datetime
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from candidates.models import InterviewRound
from hrsys.audit.models import AccessLog
from hrsys.core.periodic import run_due_jobs
from interviews.ai.models import AIMedia
from interviews.models import Interview
from tests.ai_interviews.test_ingest import result_body
from tests.factories import UserFactory

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"recording-bytes" * 200
REPORT = b"%PDF-1.4 report of the AI interview"


class VendorMedia(BaseHTTPRequestHandler):
    files = {"/media/R-1.mp4": (VIDEO, "video/mp4"), "/reports/R-1.pdf": (REPORT, "application/pdf")}

    def do_GET(self):  # noqa: N802
        found = self.files.get(self.path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        body, ctype = found
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def media_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), VendorMedia)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_media(settings, generic_vendor):
    """The test vendor serves media from 127.0.0.1 over http: both need the test-only settings and the
    vendor's media host list (an empty list refuses every download, R-SEC-1)."""
    settings.AI_MEDIA_HTTP_HOSTS = ["127.0.0.1"]
    settings.AI_MEDIA_ALLOW_PRIVATE_HOSTS = ["127.0.0.1"]
    generic_vendor.media_url_hosts = ["127.0.0.1"]
    generic_vendor.save()


@pytest.fixture
def stored(invited, post_result, worker, media_server, local_media):
    body = result_body(media={"video_url": f"{media_server}/media/R-1.mp4",
                              "report_url": f"{media_server}/reports/R-1.pdf"})
    assert post_result(body).status_code == 202
    worker.run()
    return {m.kind: m for m in AIMedia.objects.all()}


def test_r_ai_6_media_fetched_after_commit_and_encrypted_at_rest(stored):
    video = stored["video"]
    assert video.status == "stored" and video.size == len(VIDEO) and video.content_type == "video/mp4"
    on_disk = open(video.file.path, "rb").read()
    assert VIDEO not in on_disk and b"recording-bytes" not in on_disk
    assert video.file.storage.read_plain(video.file.name) == VIDEO


def test_r_ai_6_stream_in_scope_and_every_view_is_logged(stored, users, api_as):
    video = stored["video"]
    url = f"/api/v1/ai-interviews/media/{video.pk}/"
    response = api_as(users.er_manager).get(url)
    assert response.status_code == 200
    assert response.content == VIDEO and response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    download = api_as(users.er_manager).get(url + "?download=1")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    logs = list(AccessLog.objects.filter(object_type="ai_interviews.aimedia", object_id=str(video.pk))
                .order_by("id").values_list("actor__username", "kind"))
    assert logs == [("er_manager", "view"), ("er_manager", "download")]


def test_r_ai_6_the_player_seeks_with_byte_ranges_logged_once(stored, users, api_as, time_machine):
    """A browser's <video> asks for bytes=0- first, then for the part it seeks to: 206 with Content-Range."""
    video = stored["video"]
    url = f"/api/v1/ai-interviews/media/{video.pk}/"
    size = len(VIDEO)
    client = api_as(users.er_manager)
    opening = client.get(url, HTTP_RANGE="bytes=0-")
    assert opening.status_code == 206 and opening.content == VIDEO
    assert opening["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    seek = client.get(url, HTTP_RANGE="bytes=4-9")
    assert seek.status_code == 206 and seek.content == VIDEO[4:10] and seek["Content-Range"] == f"bytes 4-9/{size}"
    tail = client.get(url, HTTP_RANGE="bytes=-3")
    assert tail.status_code == 206 and tail.content == VIDEO[-3:]
    clipped = client.get(url, HTTP_RANGE=f"bytes=5-{size + 100}")
    assert clipped.content == VIDEO[5:] and clipped["Content-Range"] == f"bytes 5-{size - 1}/{size}"
    beyond = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"
    several = client.get(url, HTTP_RANGE="bytes=0-1,4-5")
    assert several.status_code == 200 and several.content == VIDEO  # several ranges: the whole file
    backwards = client.get(url, HTTP_RANGE="bytes=5-3")
    assert backwards.status_code == 200 and backwards.content == VIDEO  # an invalid range is ignored
    logs = AccessLog.objects.filter(object_type="ai_interviews.aimedia", object_id=str(video.pk))
    assert logs.count() == 1  # one viewing, however the player asks
    # a viewing that starts mid-file (a resumed playback) is still logged, and every download is
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=31))
    client.get(url, HTTP_RANGE="bytes=1-")
    client.get(url + "?download=1", HTTP_RANGE="bytes=-100000")
    assert list(logs.order_by("id").values_list("kind", flat=True)) == ["view", "view", "download"]
    # outside the scope a range changes nothing: 404
    assert api_as(users.it_manager).get(url, HTTP_RANGE="bytes=0-").status_code == 404


def test_r_ai_6_another_departments_manager_gets_404_and_nothing_is_logged(stored, users, api_as):
    video = stored["video"]
    response = api_as(users.it_manager).get(f"/api/v1/ai-interviews/media/{video.pk}/")
    assert response.status_code == 404
    assert not AccessLog.objects.filter(object_type="ai_interviews.aimedia").exists()


def test_r_ai_6_interviewer_of_the_candidate_may_play_the_recording(stored, er_job, api_as):
    """R-AI-6, R-SEC-1: the interviewer assigned to this candidate's round plays the recording; an interviewer
    named on the job's round without an interview with this candidate gets 404."""
    mine = UserFactory(username="media_interviewer", role="interviewer")
    stranger = UserFactory(username="media_stranger", role="interviewer")
    rnd = InterviewRound.objects.create(job=er_job, order=1, kind="technical")
    rnd.interviewers.set([mine, stranger])
    start = timezone.now() + datetime.timedelta(days=1)
    interview = Interview.objects.create(application=stored["report"].result.application, round=rnd,
                                         starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    interview.interviewers.set([mine])
    url = f"/api/v1/ai-interviews/media/{stored['report'].pk}/"
    assert api_as(mine).get(url).status_code == 200
    assert api_as(stranger).get(url).status_code == 404


def test_r_ai_6_anonymous_cannot_stream(stored, client):
    assert client.get(f"/api/v1/ai-interviews/media/{stored['video'].pk}/").status_code in (401, 403)


def test_r_ai_6_missing_vendor_file_fails_without_retry(invited, post_result, worker, media_server, local_media):
    body = result_body(result_id="R-2", media={"audio_url": f"{media_server}/nothing.mp3"})
    assert post_result(body).status_code == 202
    worker.run()
    media = AIMedia.objects.get()
    assert media.status == "failed" and "404" in media.error


def test_r_ai_6_media_host_allow_list(invited, post_result, worker, media_server, local_media, generic_vendor):
    generic_vendor.media_url_hosts = ["media.vendor.example"]
    generic_vendor.save()
    assert post_result(result_body(media={"video_url": f"{media_server}/media/R-1.mp4"})).status_code == 202
    worker.run()
    media = AIMedia.objects.get()
    assert media.status == "failed" and "127.0.0.1 is not in the list of allowed hosts" in media.error


def test_r_ai_6_hr_upload_is_encrypted_and_streamable(invited, post_result, worker, users, api_as):
    assert post_result(result_body()).status_code == 202
    result_id = invited.results.get().pk
    upload = SimpleUploadedFile("interview.mp3", b"ID3audio", content_type="audio/mpeg")
    response = api_as(users.hr).post(f"/api/v1/ai-interviews/results/{result_id}/media/",
                                     {"kind": "audio", "file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    streamed = api_as(users.hr).get(response.json()["url"])
    assert streamed.content == b"ID3audio"
    assert api_as(users.it_manager).post(f"/api/v1/ai-interviews/results/{result_id}/media/",
                                         {"kind": "audio", "file": SimpleUploadedFile("a.mp3", b"x")},
                                         format="multipart").status_code == 403  # managers may not upload


def test_r_ai_6_retention_purge_sweep(stored, generic_vendor):
    """R-AI-6: after the vendor's retention period the hr_tick sweep deletes the files, keeps the rows."""
    generic_vendor.media_retention_days = 30
    generic_vendor.save()
    path = stored["video"].file.path
    assert run_due_jobs(now=timezone.now() + datetime.timedelta(days=29),
                        only=["ai_interviews.purge_media"])["ai_interviews.purge_media"] == {"purged": 0}
    later = timezone.now() + datetime.timedelta(days=31)
    with time_machine.travel(later, tick=False):
        summary = run_due_jobs(now=later, only=["ai_interviews.purge_media"])
    assert summary["ai_interviews.purge_media"] == {"purged": 2}
    video = AIMedia.objects.get(pk=stored["video"].pk)
    assert video.status == "purged" and not video.file
    import os

    assert not os.path.exists(path)


def test_r_sec_5_a_legal_hold_keeps_the_recordings_past_their_period(stored, generic_vendor, users):
    """R-SEC-5: a candidate under a legal hold keeps everything, the AI recordings too: neither the sweep nor
    HR's dry run counts them until the hold is released."""
    from candidates.services import legal_hold_place, legal_hold_release
    from interviews.retention import _recordings_due

    generic_vendor.media_retention_days = 30
    generic_vendor.save()
    candidate_id = stored["video"].result.application.candidate_id
    hold = legal_hold_place(actor=users.hr, candidate_id=candidate_id, reason="劳动争议仲裁")
    later = timezone.now() + datetime.timedelta(days=31)
    with time_machine.travel(later, tick=False):
        assert run_due_jobs(now=later, only=["ai_interviews.purge_media"])["ai_interviews.purge_media"] == {
            "purged": 0}
        assert not _recordings_due(type("Cutoffs", (), {"now": later})()).exists()
    assert AIMedia.objects.get(pk=stored["video"].pk).status == "stored"
    legal_hold_release(actor=users.hr, hold_id=hold.pk)
    with time_machine.travel(later, tick=False):
        assert run_due_jobs(now=later, only=["ai_interviews.purge_media"])["ai_interviews.purge_media"] == {
            "purged": 2}


def test_r_sec_8_a_recording_fetched_onto_a_full_disk_waits_and_is_stored_later(
        invited, post_result, worker, media_server, local_media, settings, tmp_path):
    """R-SEC-8 (issue 21 item 5): the disk under the media folder full (a real full tmpfs): the recording stays to
    be fetched, with the reason, no file and no row pointing at one; with room again the retry stores it."""
    from interviews.ai.services import MediaFetchError
    from tests.faults.disk import full_disk

    folder = tmp_path / "full-media"
    with full_disk(folder) as free:
        settings.MEDIA_ROOT = str(folder)
        assert post_result(result_body(media={"video_url": f"{media_server}/media/R-1.mp4"})).status_code == 202
        worker.run(only="process_delivery")
        with pytest.raises(MediaFetchError):  # the task backs off and tries again (Celery's retry)
            worker.run(only="fetch_media")
        media = AIMedia.objects.get()
        assert media.status == "pending" and media.attempts == 1 and "storage is full" in media.error
        assert not media.file and not [p for p in folder.rglob("*") if p.is_file() and p.name != "filler"]

        free()
        worker.queue.append(("fetch_media", media.pk))  # the retry
        worker.run(only="fetch_media")
        media.refresh_from_db()
        assert media.status == "stored" and media.file.storage.read_plain(media.file.name) == VIDEO
