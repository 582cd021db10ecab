"""No internal code and no UTC machine time in what a person reads (issue 15 items 2 and 3).

Read on the demo data: every staff page reachable by links from the start page, for HR in Chinese and English and for
a manager and an interviewer in Chinese; every portal page of candidates at every stage, in both languages; every
message the demo sent and every message template rendered in both languages; the offer letters. A page is read as a
person reads it (the text between tags, without scripts, styles or attribute values); none may show one of the
code's identifiers: move (transition) names, stage and state values, message template keys, audit actions,
recipient and object types (``app_label.model``), match breakdown keys.

The identifiers are collected from the code itself (the models' choices, the state machine's transitions, the
template table, the installed models), so a new state or template is checked without editing this file.
"""

from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("visible-text")]

#: Pages per role and language: enough to reach every kind of page (one of each URL shape is visited).
PAGE_LIMIT = 160
#: Links not followed: signing out, switching language, machine endpoints, downloads, destructive or heavy pages.
SKIP = re.compile(
    r"^/(api/|i18n/|static/|media/|favicon|healthz|admin/logout|admin/jsi18n|portal/|l/|interviews/(r|c|j|feed)/)"
    r"|/(delete|download|file|export|history|password)/|\.(csv|xlsx|pdf|docx|ics|png|svg|json)$"
    r"|[?&](format|download|export|_popup|_to_field)=")
#: Fields whose one-word values (``hire``, ``review``, ``above``) are checked on Chinese pages, where an English
#: word is a leak; in English they are ordinary words.
WORD_CODE_FIELDS = {"state", "status", "decision", "recommendation", "priority", "band_position", "source"}


class _Text(HTMLParser):
    """The visible text of a page: character data outside script, style, template and hidden elements."""

    SKIP_TAGS = {"script", "style", "template", "noscript", "textarea"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP_TAGS:
            self._skip += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in self.SKIP_TAGS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _identifiers() -> tuple[set[str], set[str]]:
    """(codes that are never words: with "_" or a dot, checked in every language; single-word codes, checked on
    Chinese pages only)."""
    from candidates.services import TRANSITION_NAMES
    from hrsys.audit.models import AuditEvent
    from notifications.models import MessageTemplate

    strong: set[str] = {name for name in TRANSITION_NAMES if "_" in name}
    single: set[str] = {name for name in TRANSITION_NAMES if "_" not in name}
    for model in apps.get_models():
        strong.add(model._meta.label_lower)
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if not (isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]+", value) and value != str(label)):
                    continue
                if "_" in value:
                    strong.add(value)
                elif field.name in WORD_CODE_FIELDS and len(value) >= 4:
                    single.add(value)
    strong |= set(MessageTemplate.objects.values_list("key", flat=True))
    strong |= {a for a in AuditEvent.objects.values_list("action", flat=True).distinct() if "." in a}
    single |= {"skills", "experience", "education", "credentials"}  # match breakdown keys
    from hrsys.audit.labels import MACHINE_ACTORS  # who acted, when not a person

    strong |= {label for label in MACHINE_ACTORS if "_" in label}
    single |= {label for label in MACHINE_ACTORS if "_" not in label}
    # the data's own keys: assessment dimensions HR defined on jobs, answer signals the AI vendors report
    from candidates.models import JobRequisition
    from interviews.ai.models import AIInterviewResult

    for dimensions in JobRequisition.objects.values_list("assessment_dimensions", flat=True):
        strong |= {d["key"] for d in dimensions or [] if isinstance(d, dict) and "_" in str(d.get("key", ""))}
    for signals in AIInterviewResult.objects.values_list("signals", flat=True):
        strong |= {key for key in (signals or {}) if "_" in key}
    return strong, single


def _pattern(path: str) -> str:
    """One page per URL shape: ids replaced; filtered and sorted variants of a list are the same page."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


#: The candidate portal: everything under /portal/ except signing out, switching language and the letter files.
PORTAL_SKIP = re.compile(r"^/(?!portal/)|^/portal/(l|logout|language)/|/letter/|/(download|file)/")


def _crawl(client, starts, language, *, skip=SKIP) -> tuple[dict[str, str], list[str]]:
    """BFS over same-site links from ``starts``: {url: visible text}, and the pages that failed (5xx)."""
    seen_patterns, texts, errors = set(), {}, []
    queue = deque(starts)
    while queue and len(texts) < PAGE_LIMIT:
        url = urldefrag(queue.popleft())[0]
        if not url.startswith("/") or skip.search(url) or _pattern(url) in seen_patterns:
            continue
        seen_patterns.add(_pattern(url))
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code >= 500:
            errors.append(f"{url}: {response.status_code}")
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        texts[url] = " ".join(" ".join(parser.parts).split())
        for link in parser.links:
            if link.startswith("?"):
                link = urlsplit(url).path + link
            queue.append(link)
    return texts, errors


def _in_english_prose(text: str, start: int, end: int) -> bool:
    """True when a one-word code is only an English word among English words (demo content, a name), not a code
    dropped into Chinese text ("无法执行 hire", "供应商建议: review")."""
    before = re.search(r"([A-Za-z]+)\W{0,2}$", text[max(0, start - 30):start])
    after = re.match(r"^\W{0,2}([A-Za-z]+)", text[end:end + 30])
    return bool(before or after)


def _leaks(texts: dict[str, str], codes: set[str], *, words: bool) -> list[str]:
    found = []
    for url, text in texts.items():
        for code in codes:
            # a code as a whole token (not part of a longer word or path)
            for match in re.finditer(rf"(?<![\w./-]){re.escape(code)}(?![\w/-]|\.\w)", text):
                if words and _in_english_prose(text, match.start(), match.end()):
                    continue
                start = max(0, match.start() - 40)
                found.append(f"{url}: {code!r} in “…{text[start:match.end() + 40]}…”")
                break
    return found


#: A machine timestamp in UTC ("2026-11-30T06:50:00+00:00"): one display time zone everywhere (item 3).
UTC_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:\+00:00|Z)\b")


def _utc_times(texts: dict[str, str]) -> list[str]:
    return [f"{url}: UTC time {m.group(0)!r}" for url, text in texts.items() for m in [UTC_TIME.search(text)] if m]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("text-media"))):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--story", "small", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize(("username", "language"), [
    ("hr", "zh-hans"), ("hr", "en"), ("er_manager", "zh-hans"), ("er_manager", "en"), ("interviewer", "zh-hans"),
    ("interviewer", "en"),
])
def test_no_internal_code_in_visible_text(demo, username, language):
    from hrsys.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    client.cookies["django_language"] = language
    texts, errors = _crawl(client, ["/start/", "/dashboard/", "/admin/"], language)
    assert len(texts) > 15, sorted(texts)  # the crawl reached the workspace, dashboards and the admin
    leaks = _check(texts, language)
    assert not errors, errors
    assert not leaks, f"{len(leaks)} leaks on {len(texts)} pages:\n" + "\n".join(sorted(leaks)[:200])


def _check(texts: dict[str, str], language: str) -> list[str]:
    strong, single = _identifiers()
    leaks = _leaks(texts, strong, words=False)
    if not language.startswith("en"):
        leaks += _leaks(texts, single, words=True)
    return leaks + _utc_times(texts)


def _portal_candidates() -> list[int]:
    """One candidate per application state and per offer state (the portal shows each differently), with
    onboarding."""
    from candidates.models import Application
    from onboarding.models import Offer

    chosen: dict[str, int] = {}
    for state, candidate_id in Application.objects.order_by("pk").values_list("state", "candidate_id"):
        chosen.setdefault(f"application:{state}", candidate_id)
    for state, candidate_id in Offer.objects.order_by("pk").values_list("state", "application__candidate_id"):
        chosen.setdefault(f"offer:{state}", candidate_id)
    return sorted(set(chosen.values()))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_internal_code_on_portal_pages(demo, language):
    """R-PORTAL-4: a candidate at each stage signs in by their link and reads every portal page."""
    from onboarding.links import portal_token

    texts, errors = {}, []
    candidate_ids = _portal_candidates()
    assert len(candidate_ids) >= 5, candidate_ids
    for candidate_id in candidate_ids:
        client = Client()
        client.cookies["django_language"] = language
        opened = client.get(f"/portal/l/{portal_token(candidate_id)}/", HTTP_ACCEPT_LANGUAGE=language)
        assert opened.status_code == 302, opened.status_code
        pages, page_errors = _crawl(client, ["/portal/"], language, skip=PORTAL_SKIP)
        texts.update({f"{url} (candidate {candidate_id})": text for url, text in pages.items()})
        errors += page_errors
    assert any("/portal/offers/" in url for url in texts) and any("/portal/interviews/" in url for url in texts), \
        sorted(texts)
    assert any(url.startswith("/portal/onboarding/") for url in texts), sorted(texts)
    leaks = _check(texts, language)
    assert not errors, errors
    assert not leaks, f"{len(leaks)} leaks on {len(texts)} portal pages:\n" + "\n".join(sorted(leaks)[:200])


#: The careers site: its own pages only (the portal it links to is read above).
CAREERS_SKIP = re.compile(r"^/(?!careers/)")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_internal_code_on_the_careers_site(demo, language):
    """R-PIPE-8: every kind of page of the public careers site on the demo's published jobs, and a refused
    application form with its messages."""
    client = Client()
    client.cookies["django_language"] = language
    texts, errors = _crawl(client, ["/careers/"], language, skip=CAREERS_SKIP)
    form_url = next(url for url in texts if url.endswith("/apply/"))
    refused = client.post(form_url, {"name": "", "phone": "12", "consent_version": "old"},
                          HTTP_ACCEPT_LANGUAGE=language)
    assert refused.status_code == 400
    parser = _Text()
    parser.feed(refused.content.decode())
    texts[f"{form_url} (refused)"] = " ".join(" ".join(parser.parts).split())
    assert {"/careers/", "/careers/privacy/"} <= set(texts) and len(texts) >= 6, sorted(texts)
    leaks = _check(texts, language)
    assert not errors, errors
    assert not leaks, f"{len(leaks)} leaks on {len(texts)} careers pages:\n" + "\n".join(sorted(leaks)[:200])


def test_no_internal_code_in_messages_sent(demo):
    """Every message the demo story sent (candidates and staff, every channel, in the recipient's language)."""
    from notifications.models import Notification

    by_language: dict[str, dict[str, str]] = {}
    for message in Notification.objects.order_by("pk"):
        text = " ".join(f"{message.subject} {message.body}".split())
        by_language.setdefault(message.language or "zh-hans", {})[f"message {message.pk} ({message.template_key})"] = text
    assert sum(len(texts) for texts in by_language.values()) > 30, by_language.keys()
    leaks = [leak for language, texts in by_language.items() for leak in _check(texts, language)]
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(sorted(leaks)[:200])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_internal_code_in_any_message_template(demo, language):
    """Every template the outbox can send, for every channel it has a text for, rendered in ``language``."""
    from notifications.catalog import sample_context
    from notifications.models import MessageTemplate
    from notifications.rendering import render_message

    texts = {}
    for key, channel in MessageTemplate.objects.values_list("key", "channel").distinct():
        subject, body, html = render_message(key=key, language=language, channel=channel or "email",
                                             context=sample_context(language))
        parser = _Text()
        parser.feed(html)
        texts[f"{key} [{channel or 'any'}]"] = " ".join(f"{subject} {body} {' '.join(parser.parts)}".split())
    assert len(texts) > 20, sorted(texts)
    leaks = _check(texts, language)
    if language == "en":  # English except the proper names the sender supplies (people, jobs, the hospital)
        names = sorted((str(v) for v in sample_context(language).values() if isinstance(v, str)), key=len, reverse=True)
        for where, text in texts.items():
            for name in names:
                text = text.replace(name, "")
            if re.search(r"[\u4e00-\u9fff]", text):
                leaks.append(f"{where}: Chinese in an English message: {text[:160]}")
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(sorted(leaks)[:200])


def test_no_internal_code_in_offer_letters(demo):
    """The Word letter of every demo offer (bilingual: its Chinese is checked for English codes too)."""
    import docx

    from onboarding import letters
    from onboarding.models import Offer
    from onboarding.services import letter_context

    texts = {}
    for offer in Offer.objects.select_related("application__job__department", "application__candidate")[:6]:
        document = docx.Document(io.BytesIO(letters.render_docx(letter_context(offer))))
        texts[f"offer {offer.pk} letter"] = " ".join(" ".join(p.text for p in document.paragraphs).split())
    assert texts
    leaks = _check(texts, "zh-hans")
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(sorted(leaks)[:200])
