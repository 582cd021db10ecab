"""Staff in the browser: one way to sign in through the login form, the two viewports, small page checks."""

from tests.factories import PASSWORD

LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def staff_login(browser, live_server, user, *, viewport=LAPTOP, shot=None):
    """A fresh zh-hans browser that signs ``user`` in through the admin login form, as a person would."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"})
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{live_server.url}/admin/login/")
    if shot:
        shot(page, "workspace-login-zh-hans")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form input[type=submit]")
    page.wait_for_load_state()
    return context, page


def path_of(page, live_server) -> str:
    return page.url.removeprefix(live_server.url)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
