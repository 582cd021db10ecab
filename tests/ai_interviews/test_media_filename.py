"""The file name of a streamed recording or report follows its content type, not the vendor's URL or the
uploaded name: an ``audio/mpeg`` stored as ``.png`` downloads as ``.mp3`` (R-AI-6)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from interviews.ai import services
from interviews.ai.api import extension_for
from interviews.ai.models import AIMedia
from tests.ai_interviews.test_ingest import result_body


@pytest.mark.parametrize(("content_type", "extension"), [
    ("audio/mpeg", ".mp3"), ("video/mp4", ".mp4"), ("video/webm", ".webm"), ("image/png", ".png"),
    ("application/pdf", ".pdf"), ("audio/mpeg; charset=binary", ".mp3"), ("Video/MP4", ".mp4"),
    ("audio/x-wav", ".wav"), ("application/x-unknown-thing", ""),
])
def test_r_ai_6_extension_follows_the_content_type(content_type, extension):
    assert extension_for(content_type) == extension


@pytest.mark.parametrize(("uploaded", "content_type", "expected"), [
    ("interview.png", "audio/mpeg", "ai-audio-{id}.mp3"),
    ("clip.mp3", "video/webm", "ai-audio-{id}.webm"),
    ("no-extension", "video/mp4", "ai-audio-{id}.mp4"),
])
def test_r_ai_6_uploaded_media_downloads_with_the_extension_of_its_type(invited, post_result, users, api_as,
                                                                        uploaded, content_type, expected):
    assert post_result(result_body()).status_code == 202
    result_id = invited.results.get().pk
    client = api_as(users.hr)
    response = client.post(f"/api/v1/ai-interviews/results/{result_id}/media/",
                           {"kind": "audio", "file": SimpleUploadedFile(uploaded, b"ID3audio",
                                                                        content_type=content_type)},
                           format="multipart")
    assert response.status_code == 201, response.content
    download = client.get(response.json()["url"] + "?download=1")
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"] == f'attachment; filename="{expected.format(id=result_id)}"'
    inline = client.get(response.json()["url"])
    assert inline["Content-Disposition"] == f'inline; filename="{expected.format(id=result_id)}"'


def test_r_ai_6_vendor_media_named_png_but_sent_as_mpeg_downloads_as_mp3(invited, post_result, worker, users,
                                                                         api_as, monkeypatch):
    """The vendor's URL ends in ``.png``, its server says ``audio/mpeg``: stored with the URL's extension,
    served as audio/mpeg named ``.mp3``."""
    monkeypatch.setattr(services.media, "_download", lambda url, **kwargs: (b"ID3audio-bytes", "audio/mpeg"))
    assert post_result(result_body(media={"audio_url": "https://vendor.example/m/R-1.png"})).status_code == 202
    worker.run()
    media = AIMedia.objects.get()
    assert media.status == "stored" and media.file.name.endswith(".png") and media.content_type == "audio/mpeg"
    response = api_as(users.er_manager).get(f"/api/v1/ai-interviews/media/{media.pk}/?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    assert response["Content-Disposition"] == f'attachment; filename="ai-audio-{media.result_id}.mp3"'
