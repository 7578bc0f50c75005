"""Browser tests: Playwright for Python driving the system Chromium (`apt-get install chromium`) against
pytest-django's live server. Each test saves screenshots of the pages it visits under
artifacts/screenshots/ (SCREENSHOT_DIR), which `make screenshots` regenerates."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import need_service

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# themselves (set-up data, assertions) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots")
)
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        need_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("playwright is not installed (pip install -e .[test])")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def eager_celery():
    """Rescoring runs in-process, as the embedded default does, so the page shows the new score."""
    from crm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


def screenshot(page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
