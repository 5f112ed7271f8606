"""Browser tests: Playwright (Python) driving Debian's Chromium, headless."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session", autouse=True)
def _static_as_deployed():
    """The live server serves /static/ as production does: WhiteNoise, from the
    collected files with hashed names. pytest-django's default handler looks in
    the app folders instead, where the hashed names the pages ask for don't
    exist: every stylesheet and script answered 404 and the browser tests ran
    on unstyled pages without JavaScript."""
    from django.contrib.staticfiles import handlers

    original = handlers.StaticFilesHandler
    handlers.StaticFilesHandler = lambda application: application
    yield
    handlers.StaticFilesHandler = original


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    # Playwright's sync API keeps an event loop running in the test thread; the ORM
    # calls made there (fixtures, database resets) are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser, live_server):
    context, page = new_page(browser, live_server)
    yield page
    context.close()


def new_page(browser, live_server, **options):
    """A second person's browser: its own context (cookies), 10 s timeouts.
    Every page it loads is checked by axe-core and for CSP violations; the
    test fails at its end on any (see `_accessibility_checked`)."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch(page)
    return context, page


# axe-core (vendored for the tests only; never served by the portal). It is
# evaluated through the DevTools protocol, which the page's CSP does not
# govern, so the portal's CSP stays on and is checked at the same time.
AXE_SOURCE = (Path(__file__).parent / "vendor/axe-core-4.14.1/axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.impact + " " + v.id + ": " + v.help + " — " + v.nodes.slice(0, 4)
      .map((n) => n.target.join(" ") + " " + n.html.slice(0, 90)).join(", "));
}"""
# (page shape, width, colour mode): each is checked once a run
_CHECKED: set[tuple[str, int, str]] = set()
_FINDINGS: list[str] = []
_WATCHED: list = []


def page_shape(url: str) -> str:
    """/events/12/ and /events/13/ are one page to check; the query counts."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = "/".join("<id>" if bit.isdigit() else bit for bit in parts.path.split("/"))
    return path + ("?" + parts.query if parts.query else "")


def axe_check(page) -> list[str]:
    """Serious and critical axe violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("(source) => { (0, eval)(source); }", AXE_SOURCE)
    return page.evaluate(AXE_RUN, AXE_TAGS)


def _check_loaded(page) -> None:
    try:
        url = page.url
        if not url.startswith("http") or "/static/" in url or url.endswith(".ics"):
            return
        width = page.viewport_size["width"] if page.viewport_size else 0
        theme = page.evaluate("() => document.documentElement.dataset.bsTheme || ''")
        key = (page_shape(url), width, theme)
        if key in _CHECKED:
            return
        found = axe_check(page)
        _CHECKED.add(key)
        _FINDINGS.extend(f"{url} @{width}px {theme}: {line}" for line in found)
    except PlaywrightError:  # the page moved on before axe finished: checked next time
        return


def _goto_then_check(goto):
    """`page.goto` (and reload) check the page they loaded before returning.
    The "load" handler alone is not enough: Playwright runs it at the test's
    next call, and when that call is another goto the page is already going
    and the check was lost (every page of a goto tour went unchecked)."""

    def checked(page, *args, **kwargs):
        response = goto(page, *args, **kwargs)
        if any(page is watched for watched in _WATCHED):
            _check_loaded(page)
        return response

    return checked


Page.goto = _goto_then_check(Page.goto)
Page.reload = _goto_then_check(Page.reload)


def watch(page) -> None:
    _WATCHED.append(page)
    page.on("load", _check_loaded)
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "Content Security Policy" in message.text
            and _FINDINGS.append(f"{page.url}: CSP: {message.text}")
        ),
    )


@pytest.fixture(autouse=True)
def _accessibility_checked():
    """Fail the test on any serious or critical axe violation, or any CSP
    violation, on a page it loaded (the page open at the end is checked too)."""
    _FINDINGS.clear()
    _WATCHED.clear()
    yield
    for page in _WATCHED:
        if not page.is_closed():
            _check_loaded(page)
    findings, _FINDINGS[:] = list(_FINDINGS), []
    _WATCHED.clear()
    assert not findings, "Accessibility or CSP problems:\n" + "\n".join(findings)


def sign_in(page, user, code: str | None = None) -> None:
    """Sign in through the form (and the TOTP step when `code` is given)."""
    from tests.factories import PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if code:
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Sign In").click()
