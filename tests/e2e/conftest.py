"""Browser tests: Playwright (Python) driving Debian's Chromium, headless."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

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
    """A second person's browser: its own context (cookies), 10 s timeouts."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    return context, context.new_page()


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
