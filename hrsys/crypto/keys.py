"""AES-256-GCM envelope for personal data (R-SEC-2).

Token format (text, so it fits any column): ``enc1:<key id>:<base64(nonce || ciphertext+tag)>``.
The associated data binds a ciphertext to its place (``table.column`` for fields,
``file:<purpose>`` for files), so a value copied into another column fails to decrypt.
Keys come from ``HRSYS_DATA_KEYS`` (independent of SECRET_KEY): the first key
encrypts, every listed key decrypts, which is what makes rotation possible.
"""

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "enc1"
BINARY_MAGIC = b"HRSE1"


class DecryptionError(Exception):
    """A ciphertext could not be decrypted: unknown key id, wrong key, or tampering."""


def current_key_id() -> str:
    return next(iter(settings.HRSYS_DATA_KEYS))


def _key(kid: str) -> bytes:
    try:
        return settings.HRSYS_DATA_KEYS[kid]
    except KeyError:
        raise DecryptionError(
            f"data key {kid!r} is not configured in HRSYS_DATA_KEYS; "
            "keep old keys listed until `manage.py rotate_keys` has finished"
        )


def encrypt_text(plaintext: str, *, aad: str) -> str:
    kid = current_key_id()
    nonce = os.urandom(12)
    ct = AESGCM(_key(kid)).encrypt(nonce, plaintext.encode(), aad.encode())
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + ct).decode()}"


def parse_token(token: str) -> tuple[str, bytes]:
    prefix, _, rest = token.partition(":")
    kid, _, payload = rest.partition(":")
    if prefix != PREFIX or not kid or not payload:
        raise DecryptionError("value is not an hrsys ciphertext (plaintext in an encrypted column?)")
    return kid, base64.b64decode(payload)


def key_id_of(token: str) -> str:
    return parse_token(token)[0]


def decrypt_text(token: str, *, aad: str) -> str:
    kid, blob = parse_token(token)
    try:
        return AESGCM(_key(kid)).decrypt(blob[:12], blob[12:], aad.encode()).decode()
    except InvalidTag:
        raise DecryptionError(f"cannot decrypt {aad} with key {kid!r}: wrong key or tampered data")


def encrypt_bytes(data: bytes, *, aad: str) -> bytes:
    kid = current_key_id().encode()
    nonce = os.urandom(12)
    ct = AESGCM(_key(kid.decode())).encrypt(nonce, data, aad.encode())
    return BINARY_MAGIC + bytes([len(kid)]) + kid + nonce + ct


def binary_key_id(blob: bytes) -> str:
    if not blob.startswith(BINARY_MAGIC):
        raise DecryptionError("file is not an hrsys encrypted file")
    n = blob[len(BINARY_MAGIC)]
    return blob[len(BINARY_MAGIC) + 1 : len(BINARY_MAGIC) + 1 + n].decode()


def decrypt_bytes(blob: bytes, *, aad: str) -> bytes:
    kid = binary_key_id(blob)
    start = len(BINARY_MAGIC) + 1 + len(kid)
    nonce, ct = blob[start : start + 12], blob[start + 12 :]
    try:
        return AESGCM(_key(kid)).decrypt(nonce, ct, aad.encode())
    except InvalidTag:
        raise DecryptionError(f"cannot decrypt file ({aad}) with key {kid!r}: wrong key or tampered data")


def blind_index(normalized: str) -> str:
    """HMAC-SHA256 of a normalised value: exact-match lookups without storing plaintext."""
    return hmac.new(settings.HRSYS_BLIND_INDEX_KEY, normalized.encode(), hashlib.sha256).hexdigest()
