"""
Fixtures for the real-browser tests: Debian's Chromium driven by Playwright
(through pytest-playwright's fixtures) against pytest-django's live server.

Locally, without Chromium or without axe-core installed, the tests are
skipped with the reason; under CI (the CI environment variable is set) they
fail instead, so a broken setup can never pass as green.
"""

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

BROWSER_DIR = Path(__file__).resolve().parent
AXE_JS = BROWSER_DIR / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Playwright cannot download its own browsers here; these flags make the
# system Chromium start reliably as root, headless, without network chatter.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def skip_or_fail(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (the CI environment variable is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    # Also replaces pytest-playwright's own fallback fixture, which pytest 9
    # deprecates (a session fixture defined as a method).
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP}


@pytest.fixture
def js_errors():
    """Uncaught errors and console errors of `page`; a test that expects some clears them."""
    return []


@pytest.fixture
def page(context, js_errors):
    """A page that fails the test on any JavaScript or console error it did not expect."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("pageerror", lambda error: js_errors.append(str(error)))

    def on_console(message):
        # Chromium asks for /favicon.ico on its own; the site has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            js_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    yield page
    assert not js_errors, f"JavaScript errors on the page: {js_errors}"


@pytest.fixture
def no_js_page(new_context):
    """A page in a context with JavaScript disabled: only forms and links work."""
    page = new_context(java_script_enabled=False).new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def log_in(live_server):
    """Log a user into a page's browser context with a real session cookie."""

    def log_in(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )

    return log_in


@pytest.fixture
def stay_on_page():
    """
    Assert that an action changed the page in place: a marker set on the
    window before it is still there after, so no navigation happened.
    """

    class StayOnPage:
        def __init__(self, page):
            self.page = page

        def __enter__(self):
            self.navigations = []
            self.page.evaluate("window.__noNavigation = true")
            self.page.on("framenavigated", self._record)
            return self

        def _record(self, frame):
            if frame == self.page.main_frame:
                self.navigations.append(frame.url)

        def __exit__(self, *exc):
            self.page.remove_listener("framenavigated", self._record)
            if exc[0] is None:
                assert self.navigations == [], f"the page navigated to {self.navigations}"
                assert self.page.evaluate("window.__noNavigation === true"), "the page was reloaded"

    return StayOnPage


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_JS.exists():
        skip_or_fail(f"axe-core is not installed: run `npm ci --prefix {AXE_JS.parents[2]}`")
    return AXE_JS.read_text()


@pytest.fixture(scope="session")
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def discussion(make_user, make_post, make_comment):
    """
    bob's post with a small thread, read by alice:

        top (carol)
          reply (alice)
            nested (bob)
        second (carol)
    """
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    post = make_post(author=bob, content="Which trail should we take on Saturday?")
    top = make_comment(post=post, author=carol, content="The ridge trail: the views are worth the climb.")
    reply = make_comment(parent=top, author=alice, content="Agreed, if the weather holds.")
    nested = make_comment(parent=reply, author=bob, content="The forecast says sun until three.")
    second = make_comment(post=post, author=carol, content="Or the lake loop, if anyone wants it easier.")
    return SimpleNamespace(
        alice=alice, bob=bob, carol=carol, post=post, top=top, reply=reply, nested=nested, second=second
    )
