"""Browser tests of the back office (issue 20): Playwright drives Debian's Chromium (/usr/bin/chromium, installed by
`apt-get install chromium`; .ci/run installs it when missing). Never a downloaded browser.

One browser for the whole package (a fresh context, so fresh cookies, per test). Playwright's sync API keeps an asyncio
loop running in this thread, and Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation):
the tests' own setup and pytest-django's flush are plain synchronous code, so DJANGO_ALLOW_ASYNC_UNSAFE is set while the
browser is open, and restored when it closes.

Without Chromium the tests are skipped on a developer's machine, and fail where CI asks for them
(MAKEPLUS_REQUIRE_BROWSER, set by .ci/run)."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Chromium against the live server (makeplus/tests/browser/)")


def _missing(reason: str):
    if os.environ.get("MAKEPLUS_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        _missing(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (requirements.txt)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--disable-dev-shm-usage", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A new page in its own context (own cookies), French first like the product; base URL = the live server."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
