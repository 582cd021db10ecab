"""Every user-facing string is translatable and shipped in Chinese (R-PORTAL-4, the i18n standard).

makemessages only finds strings marked with ``_``, ``gettext``, ``gettext_lazy``, ``pgettext`` ... by those
names: a string marked through another alias (``gettext_lazy as _lazy``) is silently never extracted and stays
English for everyone. These tests keep both halves honest: no such aliases in the code, and no msgid in the
zh-hans catalog without a translation."""

import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
#: the platform and every app (a folder with an apps.py), so a new app is covered without being listed here
APPS = ["hrsys", *sorted(p.parent.name for p in ROOT.glob("*/apps.py"))]
ALIAS = re.compile(r"from django\.utils\.translation import .*\b(\w*gettext\w*) as (?!_\b)(\w+)")


def test_translation_functions_are_not_imported_under_names_makemessages_cannot_see():
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ALIAS.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_every_chinese_msgid_is_translated():
    catalog = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in catalog if not e.obsolete and (
        "fuzzy" in e.flags or (not e.msgstr if not e.msgid_plural else not all(e.msgstr_plural.values())))]
    assert missing == []
    assert len([e for e in catalog if not e.obsolete]) > 1500
