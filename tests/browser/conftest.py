"""Playwright against the system Chromium, with pytest-django's live server.

One browser per test session and a fresh context (cookies, storage) per test keep
the suite fast and the tests independent. Playwright's own browser download is
not used: the tests drive ``/usr/bin/chromium``. Without it they skip, except in
CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
PASSWORD = "test-password-123"  # what make_user in tests/conftest.py sets

# The live server runs in a thread while Playwright's sync API keeps an event
# loop on the test thread; Django would otherwise refuse ORM calls from the test.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    require(CHROMIUM.exists(), f"needs Chromium at {CHROMIUM}")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1280, "height": 900}


@pytest.fixture
def page(browser, viewport) -> Iterator:
    """A new page in a fresh context; console errors and page errors are collected."""
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def login_as(page, live_server, user, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the home page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.auth-form button[type=submit]")
    assert page.url == f"{live_server.url}/", f"sign-in failed, now at {page.url}"
