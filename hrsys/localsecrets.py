"""Create local secrets on first run (``make run`` / ``make test``).

Runs without Django so that settings, which refuse to start without keys,
can rely on the file existing. Never overwrites an existing file: losing the
data keys would make every encrypted column unreadable.
"""

import base64
import secrets
import sys
from pathlib import Path


def generate(path: Path) -> bool:
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    data_key = base64.b64encode(secrets.token_bytes(32)).decode()
    index_key = base64.b64encode(secrets.token_bytes(32)).decode()
    path.write_text(
        "# Generated on first run by hrsys/localsecrets.py. Keep it: the data keys decrypt var/ data.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"HRSYS_DATA_KEYS=k{secrets.token_hex(3)}:{data_key}\n"
        f"HRSYS_BLIND_INDEX_KEY={index_key}\n"
    )
    path.chmod(0o600)
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/secrets.env")
    print(f"secrets: {'created' if generate(target) else 'kept'} {target}")
