"""Browser fixtures: the test `app` served on a real port, and Debian's chromium
driven by Playwright (sync API).

- `live_server`: the `app` fixture from tests/conftest.py, served by werkzeug in a
  background thread on 127.0.0.1 and a free port (port 0: the OS picks one).
- `browser`: one chromium for the session, launched from /usr/bin/chromium (or
  $CHROMIUM_PATH). Where it is missing the browser tests are skipped, saying how
  to install it. Never `playwright install`.
- `new_context`: a fresh browser context (its own cookies: another person) whose
  relative URLs go to the live server; `page` is a page in one of them.
- `axe_check(page)`: runs axe-core in the page and fails on any violation, of any
  impact (minor and moderate too: issue 14's goal is none at all).
- `sign_in(page, email)`: signs in through the form, as a person would.

Every test in this folder is marked `browser`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.factories import PASSWORD

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BLOCKING_IMPACTS = ("minor", "moderate", "serious", "critical")


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items: mark only the ones in this folder.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


class QuietRequestHandler(WSGIRequestHandler):
    """Log only server errors: a line per asset request drowns a failure's report."""

    def log_request(self, code="-", size="-"):
        if str(code).startswith("5"):
            super().log_request(code, size)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    """The test app on a real socket. Stopped before `app` empties the tables."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if not os.path.exists(executable):
        if os.environ.get("CI"):
            # .ci/run installs chromium; in CI a missing browser is a failure, never a skip.
            pytest.fail(f"CI needs Debian's chromium at {executable}: .ci/run should have installed it")
        pytest.skip(
            f"Browser tests need Debian's chromium at {executable} (or set CHROMIUM_PATH): "
            "install it with `sudo apt-get install chromium`. Never `playwright install`."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """Make a fresh browser context (a separate person: own cookies) on the live server.

    The app's strict Content-Security-Policy stays on: axe-core is injected with
    page.evaluate (the DevTools protocol, which CSP does not govern), so the
    harness needs no bypass_csp, and any CSP violation the app's own pages cause
    is recorded and fails axe_check.
    """
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1100, "height": 900})
        context.set_default_timeout(10_000)
        context.on("page", _watch_csp)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    page = new_context().new_page()
    _watch_csp(page)
    return page


_CSP_VIOLATIONS: dict[int, list[str]] = {}


def _watch_csp(page) -> None:
    if id(page) in _CSP_VIOLATIONS:
        return
    messages = _CSP_VIOLATIONS[id(page)] = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            messages.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("close", lambda _page: _CSP_VIOLATIONS.pop(id(page), None))


def axe_check(page, context=None) -> dict:
    """Run axe-core on the page as it is now; fail on any violation. Returns axe's full response."""
    from axe_playwright_python.sync_playwright import Axe

    # After a click that navigates, the document being loaded, not a half-empty one.
    page.wait_for_load_state("load")
    results = Axe().run(page, context=context)
    response = results.response
    assert "testEngine" in response, f"axe-core did not run on {page.url}: {response!r}"
    blocking = [violation for violation in response["violations"] if violation.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe-core found accessibility violations on {page.url}:"]
        for violation in blocking:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]")
            for node in violation["nodes"]:
                # A target is a CSS selector, or a list of them when the node is inside an iframe or shadow DOM.
                target = " >> ".join(" ".join(part) if isinstance(part, list) else part for part in node["target"])
                summary = "; ".join(line.strip() for line in node.get("failureSummary", "").splitlines() if line.strip())
                lines.append(f"    at {target}: {summary}")
        raise AssertionError("\n".join(lines))

    csp = _CSP_VIOLATIONS.get(id(page), [])
    if csp:
        raise AssertionError("the page broke its own Content-Security-Policy:\n" + "\n".join(csp))
    return response


def run_axe(page) -> dict:
    """axe-core's full response (every rule, every impact), injected only when the page lacks it:
    cheaper than axe_check when one page is checked many times (tests/browser/test_every_page.py)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate("axe.run(document, {resultTypes: ['violations']})")


def _axe_source() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


AXE_SOURCE = _axe_source()


def sign_in(page, email: str, *, wait_until_signed_in: bool = True) -> None:
    """Sign in through the form; then, unless told not to, wait for "Signed in as"."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if wait_until_signed_in:
        expect(page.get_by_text("Signed in as")).to_be_visible()
