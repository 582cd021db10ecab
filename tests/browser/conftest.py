import os
from pathlib import Path

import pytest

# Playwright's sync API runs its own event loop in this thread; Django's ORM calls from the test are safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("HRSYS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
AXE_REPORTS = Path(__file__).resolve().parents[2] / "artifacts" / "axe"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item: the browser fixture reads whether the test itself passed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


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
def browser(request):
    """Headless chromium, with axe-core checking every page a test visits (WCAG 2.1 AA, see ``AxeWatch``): the
    test fails at its end on any serious or critical violation. Without chromium the ``browser``-marked tests
    skip, or fail with REQUIRE_SERVICES=1 (tests/conftest.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        watch = AxeWatch(browser)
        request.node.axe = watch
        yield browser
        watch.check_open()
        browser.close()
        watch.save(AXE_REPORTS / f"{request.node.name}.json")
        call = getattr(request.node, "rep_call", None)
        if call is None or call.passed:  # a test that failed already is not failed twice
            watch.assert_clean()


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


# -- accessibility: axe-core on every page (issue 15 point 10, WCAG 2.1 AA) ---------------------------------------

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAIL_IMPACTS = ("serious", "critical")
_AXE_PENDING = "() => !window.__hrsysAxeDone && document.contentType === 'text/html' && !!document.body"
_AXE_RUN = """async ([source, tags]) => {
  if (window.__hrsysAxeDone) { return null; }
  window.__hrsysAxeDone = true;
  if (typeof window.axe === "undefined") { (0, eval)(source); }
  const r = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""
#: Playwright calls that may leave the current document: the document is checked before they act.
_LEAVING_CALLS = {
    "frame.Frame": ("goto", "click", "dblclick", "tap", "fill", "press", "check", "uncheck", "set_checked",
                    "select_option", "set_input_files", "type", "dispatch_event", "drag_and_drop"),
    "input.Keyboard": ("down", "press", "type", "insert_text"),
    "input.Mouse": ("down", "click", "dblclick"),
    "page.Page": ("reload", "go_back", "go_forward"),
}
_WATCHES = {}  # id(impl BrowserContext) -> AxeWatch


class AxeWatch:
    """Runs axe-core (tests/browser/vendor/axe.min.js, copied from the npm package axe-core, see package.json) on
    every HTML document a test's pages show, once per document: before the test's next click, fill, key press or
    navigation on that page (so a page the test leaves at once is still checked, deterministically) and, for the
    last one, when its context closes or the test ends. Violations of impact serious or critical are collected
    with the page's address; the ``browser`` fixture asserts there are none at the end of the test."""

    def __init__(self, browser):
        _install_axe_hooks()
        self.violations: list[dict] = []
        self.minor: list[dict] = []  # moderate and minor: reported in artifacts/axe/, not failed on
        self.checked: list[str] = []
        self._contexts = []
        new_context, new_page = browser.new_context, browser.new_page

        def watched_context(*args, **kwargs):
            context = new_context(*args, **kwargs)
            self.watch(context)
            return context

        def watched_page(*args, **kwargs):  # Browser.new_page makes its own context
            page = new_page(*args, **kwargs)
            self.watch(page.context)
            return page

        browser.new_context, browser.new_page = watched_context, watched_page

    def watch(self, context):
        close = context.close
        self._contexts.append(context)
        _WATCHES[id(context._impl_obj)] = self

        def closing(*args, **kwargs):
            self.check_context(context)
            _WATCHES.pop(id(context._impl_obj), None)
            return close(*args, **kwargs)

        context.close = closing

    async def check(self, page) -> None:
        """axe on the (impl) page's current document, unless it was checked already or is not HTML."""
        if page.is_closed() or page.url in ("", "about:blank"):
            return
        url = page.url
        try:
            if not await page.evaluate(_AXE_PENDING, None):
                return
            found = await page.evaluate(_AXE_RUN, [AXE_SOURCE, AXE_TAGS])
        except Exception as exc:  # noqa: BLE001 -- the document went away meanwhile (navigation, close)
            if any(words in str(exc) for words in ("context was destroyed", "closed", "navigation")):
                return
            raise
        if found is None:
            return
        self.checked.append(url)
        self.minor += [{**v, "url": url} for v in found if v["impact"] not in AXE_FAIL_IMPACTS]
        self.violations += [{**v, "url": url} for v in found if v["impact"] in AXE_FAIL_IMPACTS]

    def check_context(self, context) -> None:
        for page in context.pages:
            page._sync(self.check(page._impl_obj))

    def check_open(self) -> None:
        for context in self._contexts:
            if id(context._impl_obj) in _WATCHES:
                self.check_context(context)
                _WATCHES.pop(id(context._impl_obj), None)

    def report(self) -> str:
        return "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) on {v['url']}: {', '.join(v['targets'])}"
                         for v in self.violations)

    def save(self, path: Path) -> None:
        import json

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"checked": self.checked, "violations": self.violations, "moderate_or_minor":
                                    self.minor}, ensure_ascii=False, indent=1), encoding="utf-8")

    def assert_clean(self) -> None:
        assert self.checked, "axe-core checked no page"
        assert not self.violations, "axe-core (WCAG 2.1 AA) found serious or critical violations:\n" + self.report()


def _install_axe_hooks() -> None:
    """Wrap Playwright's own calls that may leave a document, once per process (see ``AxeWatch``)."""
    import importlib

    for where, names in _LEAVING_CALLS.items():
        module, cls_name = where.split(".")
        cls = getattr(importlib.import_module(f"playwright._impl.{module}"), cls_name)
        for name in names:
            original = getattr(cls, name)
            if getattr(original, "_axe_hooked", False):
                continue

            async def hooked(self, *args, __original=original, **kwargs):
                page = self if hasattr(self, "_browser_context") else getattr(self, "_page", None)
                watch = _WATCHES.get(id(page._browser_context)) if page is not None else None
                if watch is not None:
                    await watch.check(page)
                return await __original(self, *args, **kwargs)

            hooked._axe_hooked = True
            setattr(cls, name, hooked)
