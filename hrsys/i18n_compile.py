"""Compile the gettext catalogs (locale/*/LC_MESSAGES/*.po -> .mo) with pure Python.

``manage.py compilemessages`` needs GNU gettext's msgfmt, which a machine with
only Python, pip and make does not have; polib writes the same .mo files.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def compile_all() -> int:
    count = 0
    for po_path in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po")):
        if ".venv" in po_path.parts:
            continue
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        count += 1
    return count


if __name__ == "__main__":
    print(f"i18n: compiled {compile_all()} catalog(s)")
