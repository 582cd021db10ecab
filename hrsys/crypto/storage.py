"""Encrypted file storage: every byte on disk is AES-256-GCM (R-SEC-2, R-AI-6).

Files are bound to the storage purpose (``file:<purpose>``), so a resume cannot
be swapped in as a recording. Downloads go through views that check scope and
write an AccessLog; the files are never served by the web server directly.
"""

import os

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from . import keys


class EncryptedFileSystemStorage(FileSystemStorage):
    def __init__(self, *args, purpose: str = "default", **kwargs):
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return path, args, kwargs

    @property
    def aad(self) -> str:
        return f"file:{self.purpose}"

    def _save(self, name, content):
        content.seek(0)
        blob = keys.encrypt_bytes(content.read(), aad=self.aad)
        return super()._save(name, ContentFile(blob))

    def _open(self, name, mode="rb"):
        with super()._open(name, "rb") as fh:
            blob = fh.read()
        return ContentFile(keys.decrypt_bytes(blob, aad=self.aad), name=name)

    def read_plain(self, name) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def reencrypt(self, name) -> bool:
        """Re-encrypt one file with the current key; False when it already uses it."""
        with super()._open(name, "rb") as fh:
            blob = fh.read()
        if keys.binary_key_id(blob) == keys.current_key_id():
            return False
        fresh = keys.encrypt_bytes(keys.decrypt_bytes(blob, aad=self.aad), aad=self.aad)
        target = self.path(name)
        tmp = f"{target}.rotating"
        with open(tmp, "wb") as fh:
            fh.write(fresh)
        os.replace(tmp, target)  # atomic: a crash never leaves a half-written file
        return True
