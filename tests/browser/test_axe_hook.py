"""The axe-core hook of the browser tests (tests/browser/conftest.py: AxeWatch) sees every page a test visits,
also one the test leaves at once, and reports serious and critical WCAG 2.1 AA violations (issue 15 point 10)."""

import pytest

pytestmark = [pytest.mark.browser]

PAGES = {
    "/bad": "<html><head><title>bad</title></head><body><img src='x.png'><a href='/good'>next</a></body></html>",
    "/good": "<html lang='en'><head><title>good</title></head><body><main><h1>Good</h1><a href='/next'>next</a>"
             "</main></body></html>",
    "/next": "<html lang='en'><head><title>next</title></head><body><main><h1>Next</h1></main></body></html>",
}


def _site(browser):
    context = browser.new_context()
    context.route("http://axe.test/**", lambda route: route.fulfill(
        content_type="text/html", body=PAGES.get(route.request.url.removeprefix("http://axe.test"), "")))
    return context, context.new_page()


def test_axe_checks_a_page_the_test_leaves_at_once(browser, request):
    watch = request.node.axe
    context, page = _site(browser)
    page.goto("http://axe.test/bad")
    page.click("a")  # leaves the bad page right away: it is checked before the click
    context.close()
    found = {(v["id"], v["url"]) for v in watch.violations}
    assert {("image-alt", "http://axe.test/bad"), ("html-has-lang", "http://axe.test/bad")} <= found
    assert watch.checked == ["http://axe.test/bad", "http://axe.test/good"]  # the last one when it closed
    watch.violations.clear()  # proven: the fixture's end-of-test assertion would have failed


def test_axe_clean_pages_pass(browser, request):
    context, page = _site(browser)
    page.goto("http://axe.test/good")
    page.click("a")
    page.wait_for_load_state()
    context.close()
    assert request.node.axe.checked == ["http://axe.test/good", "http://axe.test/next"]
    assert not request.node.axe.violations
