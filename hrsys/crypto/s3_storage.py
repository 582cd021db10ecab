"""Encrypted files in an S3-compatible bucket (MinIO, Aliyun OSS, AWS S3), shared by every machine (R-INT-5).

Its own module so boto3 is imported only where ``FILE_STORAGE=s3`` names this backend
(``settings.STORAGES["encrypted_files"]``); local disk needs none of it.
"""

from botocore.config import Config
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from .storage import EncryptedStorageMixin


class EncryptedS3Storage(EncryptedStorageMixin, S3Storage):
    """django-storages' S3 backend holding the same AES-256-GCM blobs as local disk.

    The bytes are encrypted in this process before they are uploaded, so the bucket (and whoever runs it)
    only ever sees ciphertext; the same data keys read them on any machine.
    """

    def __init__(self, *, purpose: str = "default", addressing_style: str | None = None, **options):
        # Checksums "when required": boto3's newer default sends trailing CRC checksums that Aliyun OSS and
        # older MinIO reject. "path" addressing suits MinIO; OSS wants "virtual".
        options.setdefault("client_config", Config(
            s3={"addressing_style": addressing_style}, signature_version="s3v4",
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
        ))
        super().__init__(purpose=purpose, **options)

    def get_default_settings(self):
        return {
            **super().get_default_settings(),
            # like local disk: a second "cv.pdf" gets its own name instead of replacing the first
            "file_overwrite": False,
            "default_acl": None,  # the bucket's own (private) policy; never public-read
            "gzip": False,  # ciphertext does not compress
        }

    def get_object_parameters(self, name):
        # the object is ciphertext whatever its name says (cv.pdf), never something to render
        return {**super().get_object_parameters(name), "ContentType": "application/octet-stream"}

    def _replace_blob(self, name, blob: bytes) -> None:
        # one PUT to the same key: readers see the old object or the new one, never half of either
        S3Storage._save(self, name, ContentFile(blob))
