"""Personal data encrypted at rest, blind indexes, key rotation (R-SEC-2)."""

import base64
import os
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from hrsys.accounts.models import User
from hrsys.crypto import keys
from hrsys.crypto.fields import blind_index_for
from hrsys.crypto.storage import EncryptedFileSystemStorage
from hrsys.settings import parse_data_keys
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"


def _raw(table, column, pk):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cur.fetchone()[0]


def _new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_raw_row_holds_no_plaintext(db):  # R-SEC-2
    user = UserFactory(phone=PHONE)
    raw = _raw("accounts_user", "phone", user.pk)
    assert PHONE not in raw and "13812345678" not in raw
    assert raw.startswith(f"enc1:{keys.current_key_id()}:")
    assert User.objects.get(pk=user.pk).phone == PHONE


def test_same_value_encrypts_differently_each_time(db):
    a, b = UserFactory(phone=PHONE), UserFactory(phone=PHONE)
    assert _raw("accounts_user", "phone", a.pk) != _raw("accounts_user", "phone", b.pk)


def test_blind_index_finds_exact_phone_in_any_format(db):  # R-SEC-2
    user = UserFactory(phone=PHONE)
    for typed in ("+86 138 1234 5678", "13812345678", "+8613812345678"):
        assert User.objects.filter(phone_index=blind_index_for(User, "phone_index", typed)).get() == user
    assert PHONE not in _raw("accounts_user", "phone_index", user.pk)


def test_ciphertext_is_bound_to_its_column(db):
    user = UserFactory(phone=PHONE)
    token = _raw("accounts_user", "phone", user.pk)
    with pytest.raises(keys.DecryptionError):
        keys.decrypt_text(token, aad="candidates_candidate.phone")


def test_rotation_re_encrypts_and_keeps_everything_readable(db, settings, tmp_path):  # R-SEC-2
    users = [UserFactory(phone=f"+86139000000{i:02d}") for i in range(5)]
    storage = EncryptedFileSystemStorage(location=tmp_path, purpose="test")
    name = storage.save("resume.txt", ContentFile("简历 content".encode()))
    old_kid = keys.current_key_id()
    settings.HRSYS_DATA_KEYS = parse_data_keys(f"knew:{_new_key()}," + ",".join(
        f"{kid}:{base64.b64encode(k).decode()}" for kid, k in settings.HRSYS_DATA_KEYS.items()))
    call_command("rotate_keys", "--no-progress", "--batch-size", "2", stdout=open(os.devnull, "w"))
    # rotate_keys calls this for every encrypted FileField of every model
    assert storage.reencrypt(name) is True and storage.reencrypt(name) is False
    for user in users:
        assert _raw("accounts_user", "phone", user.pk).startswith("enc1:knew:")
        assert User.objects.get(pk=user.pk).phone == user.phone
    assert keys.binary_key_id((tmp_path / name).read_bytes()) == "knew"
    # the old key can now be dropped: everything still reads with the new key alone
    settings.HRSYS_DATA_KEYS = {"knew": settings.HRSYS_DATA_KEYS["knew"]}
    assert [User.objects.get(pk=u.pk).phone for u in users] == [u.phone for u in users]
    assert storage.read_plain(name) == "简历 content".encode()
    assert old_kid != "knew"


def test_wrong_key_fails_loudly(db, settings):  # R-SEC-2
    user = UserFactory(phone=PHONE)
    kid = keys.current_key_id()
    settings.HRSYS_DATA_KEYS = {kid: os.urandom(32)}
    with pytest.raises(keys.DecryptionError, match="wrong key or tampered"):
        User.objects.get(pk=user.pk)
    settings.HRSYS_DATA_KEYS = {"other": os.urandom(32)}
    with pytest.raises(keys.DecryptionError, match="not configured"):
        User.objects.get(pk=user.pk)


def test_files_are_encrypted_on_disk(tmp_path):  # R-SEC-2
    storage = EncryptedFileSystemStorage(location=tmp_path, purpose="resume")
    name = storage.save("cv.pdf", ContentFile(b"%PDF-1.4 secret resume"))
    assert b"secret resume" not in (tmp_path / name).read_bytes()
    assert storage.read_plain(name) == b"%PDF-1.4 secret resume"
    other = EncryptedFileSystemStorage(location=tmp_path, purpose="recording")
    with pytest.raises(keys.DecryptionError):
        other.read_plain(name)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HRSYS_DATA_KEYS", "", "HRSYS_DATA_KEYS is not set"),
        ("HRSYS_DATA_KEYS", "k1:c2hvcnQ=", "must be 32 bytes"),
        ("HRSYS_BLIND_INDEX_KEY", "", "HRSYS_BLIND_INDEX_KEY is not set"),
        ("SECRET_KEY", "", "SECRET_KEY is not set"),
    ],
)
def test_startup_refuses_missing_or_bad_keys_and_names_the_variable(variable, value, message, tmp_path):
    env = {**os.environ, "HRSYS_SECRETS_FILE": str(tmp_path / "none.env"),
           "SECRET_KEY": "x" * 50, "HRSYS_DATA_KEYS": f"k1:{_new_key()}", "HRSYS_BLIND_INDEX_KEY": _new_key(),
           variable: value}
    result = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert message in result.stderr
