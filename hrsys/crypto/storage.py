"""Encrypted file storage: every stored byte is AES-256-GCM (R-SEC-2, R-AI-6), on local disk or in a bucket (R-INT-5).

Files are bound to the storage purpose (``file:<purpose>``), so a resume cannot
be swapped in as a recording. Downloads go through views that check scope and
write an AccessLog; the files are never served by the web server or the bucket directly.

Where the files live is configuration, not code: ``settings.STORAGES["encrypted_files"]`` names the backend
(local disk by default, an S3-compatible bucket with ``FILE_STORAGE=s3``). Every encrypted ``FileField`` says
``storage=encrypted_storage("<purpose>")``: a callable Django evaluates when the models load, so the field
gets the configured backend while its migration records only the callable and the purpose -- the same
migrations for every environment.
"""

import functools
import os
from urllib.parse import urljoin

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.utils.encoding import filepath_to_uri
from django.utils.translation import gettext as _

from . import keys

ENCRYPTED_FILES = "encrypted_files"  # the STORAGES alias every encrypted FileField uses


class StorageUnavailable(Exception):
    """A file could not be written: the disk is full, the media folder unwritable, the object store down (issue 21
    item 5). The operation that stored it is refused as a whole (503: the request may be made again later)."""

    def __init__(self, cause: OSError | None = None):
        super().__init__(_("The file could not be stored: the server's storage is full or not writable. Nothing "
                           "was saved; try again later or tell the system administrator."))
        self.kind = cause.__class__.__name__ if cause is not None else ""


class EncryptedStorageMixin:
    """Encrypts in ``_save`` before the bytes reach the backend and decrypts in ``_open``; the backend only ever
    holds ciphertext. A subclass says how to replace one stored blob in place (``_replace_blob``)."""

    def __init__(self, *args, purpose: str = "default", **kwargs):
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    @property
    def aad(self) -> str:
        return f"file:{self.purpose}"

    def _save(self, name, content):
        content.seek(0)
        blob = keys.encrypt_bytes(content.read(), aad=self.aad)
        try:
            return super()._save(name, ContentFile(blob))
        except OSError as exc:  # ENOSPC, EACCES, EROFS, a store that does not answer: refused as a whole
            try:
                if self.exists(name):  # what a full disk let through: no half file stays behind
                    self.delete(name)
            except OSError:
                pass
            raise StorageUnavailable(exc) from exc

    def _open(self, name, mode="rb"):
        return ContentFile(keys.decrypt_bytes(self._read_blob(name), aad=self.aad), name=name)

    def _read_blob(self, name) -> bytes:
        """The stored ciphertext, as the backend holds it."""
        with super()._open(name, "rb") as fh:
            return fh.read()

    def _replace_blob(self, name, blob: bytes) -> None:
        raise NotImplementedError

    def url(self, name):
        # Never a link to the stored object (for a bucket that would be a presigned URL): the path is not
        # served, files reach people only through the views that check scope and write an AccessLog.
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name))

    def read_plain(self, name) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def reencrypt(self, name) -> bool:
        """Re-encrypt one file with the current key; False when it already uses it."""
        blob = self._read_blob(name)
        if keys.binary_key_id(blob) == keys.current_key_id():
            return False
        self._replace_blob(name, keys.encrypt_bytes(keys.decrypt_bytes(blob, aad=self.aad), aad=self.aad))
        return True


class EncryptedFileSystemStorage(EncryptedStorageMixin, FileSystemStorage):
    """Local disk under MEDIA_ROOT: the default, for one machine (or a shared disk)."""

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return path, args, kwargs

    def _replace_blob(self, name, blob: bytes) -> None:
        target = self.path(name)
        tmp = f"{target}.rotating"
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)  # atomic: a crash never leaves a half-written file


def configured_storage(purpose: str) -> EncryptedStorageMixin:
    """A new instance of the configured encrypted backend (``STORAGES["encrypted_files"]``) for ``purpose``."""
    params = settings.STORAGES[ENCRYPTED_FILES]
    return storages.create_storage({**params, "OPTIONS": {**params.get("OPTIONS", {}), "purpose": purpose}})


def encrypted_storage(purpose: str):
    """The ``storage=`` of an encrypted FileField holding files of ``purpose`` (a résumé, an offer letter).

    A callable, not a storage: Django calls it when the model class is built, so the field uses the backend
    configured for this environment, and ``makemigrations`` records ``functools.partial(configured_storage,
    purpose=...)``, the same everywhere.
    """
    return functools.partial(configured_storage, purpose=purpose)
