"""Today and an exchange page in a browser set to English, Japanese and Simplified Chinese, with a
screenshot of each (`make screenshots` keeps them under artifacts/screenshots/)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, screenshot
from tests.browser.test_journeys import team, world  # noqa: F401  (the same people and accounts)
from tests.ui.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The browser's language, the page's <html lang>, and words the page shows in it.
LANGUAGES = [
    ("en-GB", "en", "Top prospects", "Cloud allocations"),
    ("ja-JP", "ja", "有望な見込み客", "クラウド配分"),
    ("zh-CN", "zh-hans", "重点潜在客户", "云分配"),
]


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize(("locale", "code", "today_heading", "allocations_heading"), LANGUAGES)
def test_today_and_an_exchange_page_speak_the_browsers_language(
    browser, live_server, locale, code, today_heading, allocations_heading
):
    context = browser.new_context(viewport=LAPTOP, base_url=live_server.url, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # Kenji signs in on the login page in his browser's language (the fields by their names).
        page.goto("/login/")
        expect(page.locator("html")).to_have_attribute("lang", code)
        page.locator("input[name=username]").fill("kenji")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form.stack button[type=submit]").click()
        page.wait_for_url("**/")

        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.get_by_role("heading", name=today_heading)).to_be_visible()
        screenshot(page, f"lang-{code}-today")

        page.goto("/exchanges/tokyo-0/")
        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.get_by_role("heading", name=allocations_heading)).to_be_visible()
        screenshot(page, f"lang-{code}-exchange")
    finally:
        context.close()
