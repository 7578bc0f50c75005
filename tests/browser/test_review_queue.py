"""The "No exchange found" tab in a real browser: a katakana company matched without a reload."""

import pytest
from playwright.sync_api import expect

from intel.choices import MatchStatus
from intel.models import Attendee, ExchangeAlias
from leads.models import FollowUp
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_journeys import team, world  # noqa: F401 (fixtures)
from tests.crm.factories import ExchangeFactory, jurisdiction
from tests.ui.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_rep_matches_a_katakana_company_from_the_no_exchange_found_tab(page, world, team):  # noqa: F811
    # given Kenji owns Bybit, and two people at バイビット株式会社 whose exchange was not found
    bybit = ExchangeFactory(name="Bybit", slug="bybit", owner=team["japan"], headquarters=jurisdiction("AE"))
    for name in ("Dai Ueda", "Eri Kato"):
        Attendee.objects.create(
            event=world["event"],
            full_name=name,
            title="VP Engineering",
            company="バイビット株式会社",
            dedupe_key=name,
            match_status=MatchStatus.UNMATCHED,
        )
    log_in(page, "kenji", PASSWORD)

    # when he opens the tab, finds the company by typing it in hiragana, and matches both to Bybit
    page.goto(f"/events/{world['event'].slug}/review/")
    page.get_by_role("link", name="No exchange found (2)").click()
    page.get_by_label("Name, company or exchange").fill("ばいびっと")
    page.get_by_role("button", name="Search").click()
    card = page.locator("section.review-group", has_text="バイビット株式会社")
    expect(card).to_contain_text("2 people")
    card.get_by_label("Their exchange").fill("bybit")
    screenshot(page, "review-no-exchange-found")
    card.get_by_role("button", name="Match all 2").click()

    # then the page answers in place, the tab's count drops, and both reach his follow-ups
    expect(card.locator("[data-review-status]")).to_have_text(
        "バイビット株式会社: 2 people matched to Bybit. Follow-ups: 2 in your territory."
    )
    expect(page.locator('[data-count="unmatched"]')).to_have_text("0")
    assert list(Attendee.objects.filter(company="バイビット株式会社").values_list("exchange_id", flat=True)) == [
        bybit.pk,
        bybit.pk,
    ]
    assert FollowUp.objects.filter(attendee__company="バイビット株式会社", assignee=team["japan"]).count() == 2
    # and the company's katakana name is remembered, so the next import matches it
    assert list(ExchangeAlias.objects.filter(exchange=bybit).values_list("alias", flat=True)) == ["バイビット株式会社"]


def test_the_keyboard_moves_between_companies_and_sets_one_aside(page, world, team):  # noqa: F811
    # given Kenji's review queue: one card per "Tokio Exch" company (he owns their suggested accounts)
    log_in(page, "kenji", PASSWORD)
    page.goto(f"/events/{world['event'].slug}/review/")
    cards = page.locator("section.review-group")
    expect(cards).to_have_count(3)
    second = cards.nth(1).get_attribute("data-company")

    # when he presses j (next company) then n (not an exchange)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(cards.nth(1)).to_be_focused()
    page.keyboard.press("n")

    # then that company alone is set aside, in place
    expect(cards.nth(1).locator("[data-review-status]")).to_contain_text("set aside as not working for an exchange")
    expect(page.locator('[data-count="review"]')).to_have_text("2")
    assert list(
        Attendee.objects.filter(event=world["event"], match_status=MatchStatus.NOT_AN_EXCHANGE).values_list(
            "company", flat=True
        )
    ) == [second.replace("tokio exch", "Tokio Exch")]


def test_both_tabs_fit_a_phone_without_scrolling_sideways(page, world, team):  # noqa: F811
    Attendee.objects.create(
        event=world["event"],
        full_name="Dai Ueda",
        company="SBI VCトレード株式会社 (Digital Asset Infrastructure Division)",
        dedupe_key="dai",
        match_status=MatchStatus.UNMATCHED,
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "kenji", PASSWORD)

    for path, name in (("", "review-queue-phone"), ("?tab=unmatched", "review-no-exchange-found-phone")):
        page.goto(f"/events/{world['event'].slug}/review/{path}")
        expect(page.locator("section.review-group").first).to_be_visible()
        screenshot(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
