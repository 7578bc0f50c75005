"""The morning after an event, as one rep in a real Chromium: from the badge file to a contacted
follow-up, counting every click, on a laptop (1440x900) and on a phone (390x844).

Who does what is the product's rule (crm.access): only a manager creates an event, so the rep
works on one a manager made; the rep uploads the badge file, and each person matched to an
exchange becomes a follow-up assigned by territory at once (no button, no manager). The rep logs
the call on an account they own, which moves the follow-up to "contacted".

How clicks are counted: every click or tap on the page is one; typing into a field is one (the
tap that focuses it); choosing a file is two (opening the file dialog, picking the file); going
back is one. Logging in is not part of the journey: it starts signed in, on Today."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Activity
from intel.choices import MatchStatus
from intel.models import Attendee
from leads.choices import FollowUpStatus
from leads.models import FollowUp
from leads.views.follow_ups import BOARD_PAGE_SIZE
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_journeys import team, world  # noqa: F401 (fixtures)
from tests.intel.factories import EventFactory
from tests.ui.conftest import PASSWORD
from tests.ui.test_follow_up_board import many_follow_ups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LAPTOP_WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
MAX_CLICKS = 12

BADGE_FILE = (
    "Name,Company,Email,Title\r\n"
    "Aiko Tanaka,Tokyo Exchange 1,aiko@tokyo-1.example.com,CTO\r\n"
    "Ren Mori,Tokyo Exchange 2,ren@tokyo-2.example.com,Infrastructure lead\r\n"
)


class Clicks:
    """The rep's hands: each action does what a person does in the page, and counts its clicks."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, locator) -> None:
        locator.click()
        self.count += 1

    def type(self, locator, text: str) -> None:
        locator.fill(text)
        self.count += 1

    def choose_file(self, locator, path) -> None:
        locator.set_input_files(str(path))
        self.count += 2

    def back(self) -> None:
        self.page.go_back()
        self.count += 1


@pytest.fixture
def fresh_event(world):  # noqa: F811
    """The event a manager created: it ended yesterday in Tokyo, nobody is on it yet."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return EventFactory(name="WebX 2026", slug="webx-2026", starts_on=yesterday, ends_on=yesterday)


@pytest.mark.parametrize(("size", "viewport"), [("1440", LAPTOP_WIDE), ("390", PHONE)])
def test_a_rep_goes_from_the_badge_file_to_a_contacted_follow_up_in_12_clicks(
    page, fresh_event, tmp_path, size, viewport, eager_celery
):
    path = tmp_path / "webx-2026-badges.csv"
    path.write_text(BADGE_FILE, encoding="utf-8")
    page.set_viewport_size(viewport)
    log_in(page, "kenji", PASSWORD)
    rep = Clicks(page)

    # the event a manager made, from the main menu
    rep.click(page.get_by_role("navigation", name="Main").get_by_role("link", name="Events"))
    rep.click(page.get_by_role("link", name="WebX 2026"))
    rep.click(page.get_by_role("link", name="Upload badge scans"))

    # the badge file: a preview, then the import
    rep.choose_file(page.get_by_label("Badge-scan or business-card file (CSV or TSV)"), path)
    rep.click(page.get_by_role("button", name="Preview"))
    expect(page.get_by_test_id("valid-rows")).to_have_text("2")
    screenshot(page, f"journey-{size}-1-upload-preview")
    rep.click(page.get_by_role("button", name="Import 2 people"))

    # both people are his follow-ups already: nothing to review, no list to build
    expect(page.locator(".messages")).to_contain_text("webx-2026-badges.csv: 2 added: 2 in your territory.")
    expect(page.get_by_role("link", name="Review queue (0)")).to_be_visible()
    screenshot(page, f"journey-{size}-2-event")
    rep.click(page.get_by_role("link", name="My follow-ups"))

    expect(page.get_by_role("heading", name="Follow-up board", level=1)).to_be_visible()
    rows = page.locator("table.cards tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("button", name="Build or refresh the list")).to_have_count(0)
    assert sorted(
        FollowUp.objects.filter(attendee__event=fresh_event).values_list("attendee__full_name", "assignee__username")
    ) == [("Aiko Tanaka", "kenji"), ("Ren Mori", "kenji")]
    top = FollowUp.objects.filter(attendee__event=fresh_event).order_by("-person_score", "attendee__full_name")[0]
    top_row = page.locator(f"#follow-up-{top.pk}")
    expect(rows.first).to_have_id(f"follow-up-{top.pk}")
    expect(top_row.get_by_label(f"Status of {top.attendee.full_name}")).to_have_value(FollowUpStatus.TO_DO)
    screenshot(page, f"journey-{size}-3-my-follow-ups")

    # the call, logged on the top follow-up's account: the form opens with "Call" chosen
    rep.click(top_row.get_by_role("link", name="log a call"))
    expect(page.get_by_label("What")).to_have_value("call")
    rep.type(page.get_by_label("Summary"), "Called after WebX: wants a proposal")
    rep.click(page.get_by_role("button", name="Log it"))
    expect(page.locator("#log-form [role=status]")).to_have_text("Saved")
    screenshot(page, f"journey-{size}-4-call-logged")

    # back on the board, the follow-up reads "contacted"
    rep.back()
    expect(page.locator(f"#follow-up-{top.pk}").get_by_label(f"Status of {top.attendee.full_name}")).to_have_value(
        FollowUpStatus.CONTACTED
    )
    screenshot(page, f"journey-{size}-5-contacted")

    assert rep.count == MAX_CLICKS
    top.refresh_from_db()
    assert (top.status, top.status_changed_by.username) == (FollowUpStatus.CONTACTED, "kenji")
    assert list(
        Activity.objects.filter(summary="Called after WebX: wants a proposal").values_list(
            "kind", "rep__username", "exchange_id"
        )
    ) == [("call", "kenji", top.attendee.exchange_id)]
    assert list(
        Attendee.objects.filter(event=fresh_event).order_by("full_name").values_list("full_name", "match_status")
    ) == [("Aiko Tanaka", MatchStatus.MATCHED), ("Ren Mori", MatchStatus.MATCHED)]
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# ---------------------------------------------------------------- failure paths on the board


def test_a_status_saved_on_page_2_of_a_filter_stays_on_page_2_of_that_filter(page, world, team):  # noqa: F811
    # given more of Kenji's follow-ups to do than one page holds
    crowd = many_follow_ups(world, team, BOARD_PAGE_SIZE + 5)
    log_in(page, "kenji", PASSWORD)
    page.goto("/events/webx-2025/follow-ups/?mine=1&status=to_do&page=2")
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    row = page.locator("table.cards tbody tr").first
    name = row.locator(".card-person strong").inner_text()
    saved = FollowUp.objects.get(attendee__full_name=name)

    # when he sets the first person of page 2 to contacted
    row.get_by_label(f"Status of {name}").select_option("contacted")
    row.get_by_role("button", name="Save").click()

    # then the row says so in place, and he is still on page 2 of "mine, to do"
    expect(page.locator(f"#follow-up-{saved.pk} [role=status]")).to_have_text(f"{name}: Contacted.")
    assert page.url.endswith("/events/webx-2025/follow-ups/?mine=1&status=to_do&page=2")
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page.get_by_label("Status", exact=True)).to_have_value("to_do")
    expect(page.get_by_label("Only mine", exact=True)).to_be_checked()
    screenshot(page, "board-page-2-status-saved")
    saved.refresh_from_db()
    assert (saved.status, saved.status_changed_by.username) == (FollowUpStatus.CONTACTED, "kenji")
    assert FollowUp.objects.filter(pk__in=[f.pk for f in crowd], status=FollowUpStatus.CONTACTED).count() == 1


def test_an_expired_session_on_the_board_keeps_the_chosen_status_and_asks_to_log_in_again(page, world):  # noqa: F811
    log_in(page, "kenji", PASSWORD)
    page.goto("/events/webx-2025/follow-ups/")
    follow_up = FollowUp.objects.get(attendee__full_name="Met Person 0")
    row = page.locator(f"#follow-up-{follow_up.pk}")
    row.get_by_label("Status of Met Person 0").select_option("meeting_booked")
    Session.objects.all().delete()  # the session ends on the server: the post is sent to the login page

    row.get_by_role("button", name="Save").click()

    expect(row.locator("[role=status]")).to_have_text("Your session expired: log in again (your text is kept).")
    expect(row.get_by_label("Status of Met Person 0")).to_have_value("meeting_booked")
    expect(row.get_by_role("button", name="Save")).to_be_enabled()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.TO_DO
    assert follow_up.status_changed_by is None
