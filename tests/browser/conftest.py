import os
from pathlib import Path

import pytest

# Playwright's sync API runs its own event loop in this thread; Django's ORM calls from the test are safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("HRSYS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.OFFER_LETTER_PDF = False


@pytest.fixture
def message_templates(transactional_db):
    """Transactional tests flush the tables after each test, data-migration rows included: put the default
    message templates back (idempotent)."""
    from notifications.default_templates import install_defaults
    from notifications.models import EscalationPolicy, MessageTemplate

    install_defaults(MessageTemplate, EscalationPolicy)


@pytest.fixture
def browser():
    """Headless chromium. Without it the ``browser``-marked tests skip, or fail with REQUIRE_SERVICES=1
    (tests/conftest.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    return take
