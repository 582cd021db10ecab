"""Stored files in S3-compatible object storage (R-INT-5), against a real S3 API over HTTP: moto's server on a
free local port, spoken to by boto3 as MinIO or Aliyun OSS would be.

The app's services write (a résumé upload, an offer letter, an AI recording); the bucket holds only ciphertext
(R-SEC-2); the app's access-logged views read it back decrypted (R-SEC-3); another process configured by the
environment alone (``FILE_STORAGE=s3``: a second machine) reads and writes the same objects; the retention
sweep and key rotation act on the objects. Time stands still (time_machine), nothing sleeps.
"""

import base64
import datetime as dt
import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from botocore.config import Config
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import FileField
from moto.server import ThreadedMotoServer

from candidates.models import Resume
from hrsys.audit.models import AccessLog
from hrsys.crypto import keys
from hrsys.crypto.s3_storage import EncryptedS3Storage
from hrsys.crypto.storage import EncryptedStorageMixin, configured_storage
from interviews.ai import services as ai_services
from interviews.ai.models import AIMedia
from onboarding.models import Offer
from tests.platform import hospital as h
from tests.portal.test_access import signed_in

pytestmark = pytest.mark.django_db
hospital_settings, w = h.hospital_settings, h.w  # the fixtures

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "hrsys-files"
ACCESS_KEY, SECRET_KEY, REGION = "hrsys-test", "hrsys-test-secret", "us-east-1"


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on a free port of 127.0.0.1, and a boto3 client that talks to it over HTTP."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name=REGION,
                          config=Config(s3={"addressing_style": "path"}))
    yield SimpleNamespace(endpoint=endpoint, client=client)
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, monkeypatch):
    """A fresh bucket, configured as ``FILE_STORAGE=s3`` configures it, and every encrypted FileField on it.

    The fields took their storage when the models loaded (local disk, in this test process); here each gets
    the S3 backend ``configured_storage`` now builds from STORAGES, as a process started with
    ``FILE_STORAGE=s3`` has from the start (``test_a_second_machine_*`` starts one).
    """
    client = s3_server.client
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "encrypted_files": {
        "BACKEND": "hrsys.crypto.s3_storage.EncryptedS3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": s3_server.endpoint, "access_key": ACCESS_KEY,
                    "secret_key": SECRET_KEY, "region_name": REGION, "location": "", "addressing_style": "path"},
    }}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField) and isinstance(field.storage, EncryptedStorageMixin):
                monkeypatch.setattr(field, "storage", configured_storage(field.storage.purpose))
    yield SimpleNamespace(client=client, endpoint=s3_server.endpoint, name=BUCKET)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for entry in page.get("Contents", ()):
            client.delete_object(Bucket=BUCKET, Key=entry["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(bucket) -> set[str]:
    return {entry["Key"] for entry in bucket.client.list_objects_v2(Bucket=bucket.name).get("Contents", ())}


def _raw(bucket, key) -> bytes:
    return bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read()


def _assert_encrypted_object(bucket, key, plain: bytes):
    """The object under ``key`` is this app's ciphertext of ``plain`` (current key), nothing readable."""
    raw = _raw(bucket, key)
    assert raw != plain and plain[:16] not in raw
    assert keys.binary_key_id(raw) == keys.current_key_id()
    head = bucket.client.head_object(Bucket=bucket.name, Key=key)
    assert head["ContentType"] == "application/octet-stream"  # not application/pdf: it is ciphertext


def _download(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_r_int_5_resume_upload_goes_to_the_bucket_encrypted_and_downloads_through_the_logged_view(
        w, bucket, api_as, settings):
    data = h.tiny_pdf("Wang Fang  wangfang@example.org")
    o = h.candidate_files(w)  # an application, a résumé and a credential scan, through the services
    resume = h.candidate_services.resume_upload(actor=w.hr, candidate_id=o.candidate.pk, filename="cv.pdf",
                                                data=data)
    assert isinstance(resume.file.storage, EncryptedS3Storage)
    assert resume.file.name in _keys(bucket) and o.credential.file.name in _keys(bucket)
    _assert_encrypted_object(bucket, resume.file.name, data)
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing went to local disk

    seen = set(AccessLog.objects.values_list("pk", flat=True))
    assert _download(api_as(w.hr).get(f"/api/v1/resumes/{resume.pk}/file/")) == data
    row = AccessLog.objects.exclude(pk__in=seen).get()
    assert (row.kind, row.object_type, row.object_id) == ("download", "candidates.resume", str(resume.pk))
    # never a link to the bucket: the only way to the file is the view above
    assert bucket.endpoint not in resume.file.url and BUCKET not in resume.file.url


def test_r_int_5_offer_letter_and_ai_recording_go_to_the_bucket_encrypted(w, bucket, api_as):
    o = h.sent(w)
    offer = Offer.objects.get(pk=o.offer.pk)
    letter = _download(signed_in(o.app.candidate).get(f"/portal/offers/{offer.pk}/letter/docx/"))
    assert letter.startswith(b"PK")  # a Word file, decrypted by the portal's view
    _assert_encrypted_object(bucket, offer.letter_docx.name, letter)

    r = h.ai_result(w)
    recording = b"ID3" + bytes(range(256)) * 8
    media = ai_services.ai_media_upload(actor=w.hr, result_id=r.result.pk, kind="audio", data=recording,
                                        filename="interview.mp3", content_type="audio/mpeg")
    _assert_encrypted_object(bucket, media.file.name, recording)
    assert _download(api_as(w.hr).get(f"/api/v1/ai-interviews/media/{media.pk}/?download=1")) == recording


def test_r_int_5_a_fresh_storage_instance_reads_what_another_wrote(bucket):
    """Nothing about a file lives in the instance that wrote it: bucket, key and data keys are enough."""
    plain = "简历: 王芳, 急诊科护士".encode()
    name = configured_storage("resume").save("cv.txt", ContentFile(plain))
    assert configured_storage("resume").read_plain(name) == plain
    assert _raw(bucket, name) != plain
    with pytest.raises(keys.DecryptionError):  # bound to its purpose, as on local disk
        configured_storage("ai_media").read_plain(name)
    second = configured_storage("resume").save("cv.txt", ContentFile(b"another"))
    assert second != name and configured_storage("resume").read_plain(name) == plain  # never overwritten


SECOND_MACHINE = """
import json, sys
import django
django.setup()
from django.core.files.base import ContentFile
from candidates.models import Resume
from onboarding.models import Offer

resume_storage = Resume._meta.get_field("file").storage
letter_storage = Offer._meta.get_field("letter_docx").storage
read = resume_storage.open(sys.argv[1]).read()
written = letter_storage.save("from-the-worker.docx", ContentFile(b"PK letter written by the worker"))
print(json.dumps({"backend": type(resume_storage).__name__, "read": read.decode(), "written": written}))
"""


def test_r_int_5_a_second_machine_configured_by_the_environment_shares_the_files(bucket, settings, tmp_path):
    """Another process (a worker on another machine): only environment variables, its own MEDIA_ROOT (empty),
    the same data keys. Its models take the S3 backend, read the résumé this process stored and store a letter
    this process reads."""
    plain = "简历 Wang Fang".encode()
    name = Resume._meta.get_field("file").storage.save("resumes/cv.txt", ContentFile(plain))
    data_keys = ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in settings.HRSYS_DATA_KEYS.items())
    env = {
        "PATH": "/usr/bin:/bin", "HRSYS_SECRETS_FILE": str(tmp_path / "none.env"), "HRSYS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hrsys.settings", "SECRET_KEY": "s" * 50, "HRSYS_DATA_KEYS": data_keys,
        "HRSYS_BLIND_INDEX_KEY": base64.b64encode(b"b" * 32).decode(), "MEDIA_ROOT": str(tmp_path / "media"),
        "FILE_STORAGE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": bucket.endpoint, "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_ADDRESSING_STYLE": "path",
    }
    result = subprocess.run([sys.executable, "-c", SECOND_MACHINE, name], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["backend"] == "EncryptedS3Storage" and seen["read"] == plain.decode()
    assert Offer._meta.get_field("letter_docx").storage.read_plain(seen["written"]) == b"PK letter written by the worker"
    assert b"written by the worker" not in _raw(bucket, seen["written"])
    assert not (tmp_path / "media").exists()


def test_r_int_5_without_a_bucket_name_the_s3_setting_refuses_to_start(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HRSYS_SECRETS_FILE": str(tmp_path / "none.env"), "HRSYS_VAR_DIR": str(tmp_path),
           "SECRET_KEY": "s" * 50, "HRSYS_DATA_KEYS": f"k1:{base64.b64encode(b'k' * 32).decode()}",
           "HRSYS_BLIND_INDEX_KEY": base64.b64encode(b"b" * 32).decode(), "FILE_STORAGE": "s3"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "S3_BUCKET is not set" in result.stderr


def test_r_int_5_retention_sweep_deletes_the_recording_object(w, bucket):  # R-AI-6
    r = h.ai_result(w)
    media = ai_services.ai_media_upload(actor=w.hr, result_id=r.result.pk, kind="video", data=b"\x00\x00video",
                                        filename="interview.mp4", content_type="video/mp4")
    kept = ai_services.ai_media_upload(actor=w.hr, result_id=r.result.pk, kind="audio", data=b"ID3 later",
                                       filename="later.mp3", content_type="audio/mpeg")
    AIMedia.objects.filter(pk=kept.pk).update(created_at=h.NOW + dt.timedelta(days=400))
    assert {media.file.name, kept.file.name} <= _keys(bucket)
    days = r.result.vendor.media_retention_days
    assert ai_services.ai_media_purge_due(now=h.NOW + dt.timedelta(days=days + 1)) == {"purged": 1}
    assert media.file.name not in _keys(bucket) and kept.file.name in _keys(bucket)
    assert AIMedia.objects.get(pk=media.pk).status == AIMedia.Status.PURGED


def test_r_int_5_key_rotation_re_encrypts_the_objects_in_the_bucket(w, bucket, settings):  # R-SEC-2
    o = h.candidate_files(w)
    data = h.tiny_pdf("Li Lei")
    o.resume = h.candidate_services.resume_upload(actor=w.hr, candidate_id=o.candidate.pk, filename="cv.pdf",
                                                  data=data)
    old = keys.binary_key_id(_raw(bucket, o.resume.file.name))
    fresh = base64.b64encode(bytes(range(32))).decode()
    settings.HRSYS_DATA_KEYS = {"knew": base64.b64decode(fresh), **settings.HRSYS_DATA_KEYS}
    call_command("rotate_keys", "--no-progress", stdout=io.StringIO())
    assert old != "knew" and keys.binary_key_id(_raw(bucket, o.resume.file.name)) == "knew"
    assert keys.binary_key_id(_raw(bucket, o.credential.file.name)) == "knew"
    settings.HRSYS_DATA_KEYS = {"knew": settings.HRSYS_DATA_KEYS["knew"]}  # the old key can go
    assert Resume.objects.get(pk=o.resume.pk).file.storage.read_plain(o.resume.file.name) == data
