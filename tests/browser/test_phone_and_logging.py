"""At a phone's width (390 px) no page scrolls sideways, and "Log it" says how each save ended: saved
once on a double click, an expired session keeps the typed text, a call dated in the future is refused."""

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from crm.models import Activity
from leads.choices import FollowUpStatus
from leads.models import FollowUp
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_journeys import team, world  # noqa: F401 (fixtures)
from tests.ui.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
EXPIRED = "Your session expired: log in again (your text is kept)."


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("today", "/"),
        ("leads", "/leads/"),
        ("exchange", "/exchanges/tokyo-0/"),
        ("follow-up-board", "/events/webx-2025/follow-ups/"),
    ],
)
@pytest.mark.parametrize("username", ["kenji", "mei"])
def test_no_page_scrolls_sideways_on_a_phone(page, world, username, name, path):  # noqa: F811
    log_in(page, username, PASSWORD)
    page.set_viewport_size(PHONE)

    page.goto(path)

    assert page_width(page) <= PHONE["width"]
    screenshot(page, f"phone-{name}-{username}")


def open_log_form(page, *, summary: str):
    log_in(page, "kenji", PASSWORD)
    page.goto("/exchanges/tokyo-0/")
    page.get_by_label("What").select_option("call")
    page.get_by_label("Summary").fill(summary)


def test_a_double_click_on_log_it_logs_once_and_says_saved(page, world, eager_celery):  # noqa: F811
    open_log_form(page, summary="Called the CTO back")

    page.get_by_role("button", name="Log it").dblclick()

    expect(page.locator("#log-form [role=status]")).to_have_text("Saved")
    expect(page.locator("#timeline")).to_contain_text("Called the CTO back")
    assert Activity.objects.filter(summary="Called the CTO back").count() == 1
    expect(page.get_by_label("Summary")).to_have_value("")


def test_an_expired_session_keeps_the_text_and_asks_to_log_in_again(page, world):  # noqa: F811
    open_log_form(page, summary="Notes I must not lose")
    Session.objects.all().delete()  # the session ends on the server: the post is sent to the login page

    page.get_by_role("button", name="Log it").click()

    expect(page.locator("#log-form [role=status]")).to_have_text(EXPIRED)
    expect(page.get_by_label("Summary")).to_have_value("Notes I must not lose")
    expect(page.get_by_role("button", name="Log it")).to_be_enabled()
    assert Activity.objects.filter(summary="Notes I must not lose").count() == 0
    screenshot(page, "log-it-session-expired")


def test_a_refused_post_403_keeps_the_text_and_asks_to_log_in_again(page, world):  # noqa: F811
    open_log_form(page, summary="Also not lost")
    page.context.clear_cookies()  # no session and no CSRF cookie: the server answers 403

    page.get_by_role("button", name="Log it").click()

    expect(page.locator("#log-form [role=status]")).to_have_text(EXPIRED)
    expect(page.get_by_label("Summary")).to_have_value("Also not lost")
    assert Activity.objects.filter(summary="Also not lost").count() == 0


def test_a_refusal_by_the_owner_rule_says_why_not_that_the_session_expired(page, world, team):  # noqa: F811
    from crm.access import CHANGE_REFUSED
    from crm.models import Exchange

    open_log_form(page, summary="Handed over meanwhile")
    Exchange.objects.filter(slug="tokyo-0").update(owner=team["singapore"])  # a manager moved it

    page.get_by_role("button", name="Log it").click()

    expected = CHANGE_REFUSED.format(name="Tokyo Exchange 0")
    expect(page.locator("#log-form [role=status]")).to_have_text(f"Not saved: {expected} Your text is kept.")
    expect(page.get_by_label("Summary")).to_have_value("Handed over meanwhile")
    assert Activity.objects.filter(summary="Handed over meanwhile").count() == 0


def test_a_call_dated_in_2031_is_refused_with_the_text_kept(page, world):  # noqa: F811
    open_log_form(page, summary="Back from the future")
    page.get_by_label("When").fill("2031-05-01T10:00")

    page.get_by_role("button", name="Log it").click()

    status = page.locator("#log-form [role=status]")
    expect(status).to_contain_text("Not saved: A call is logged once it has happened")
    expect(page.get_by_label("Summary")).to_have_value("Back from the future")
    assert Activity.objects.filter(summary="Back from the future").count() == 0


def test_a_status_saved_on_the_phone_board_stays_in_place(page, world):  # noqa: F811
    log_in(page, "kenji", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/events/webx-2025/follow-ups/?mine=1&status=to_do")
    follow_up = FollowUp.objects.get(attendee__full_name="Met Person 0")
    row = page.locator(f"#follow-up-{follow_up.pk}")

    row.get_by_label("Status of Met Person 0").select_option("contacted")
    row.get_by_role("button", name="Save").click()

    expect(page.locator(f"#follow-up-{follow_up.pk} [role=status]")).to_have_text("Met Person 0: Contacted.")
    assert page.url.endswith("/events/webx-2025/follow-ups/?mine=1&status=to_do")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.CONTACTED
    assert page_width(page) <= PHONE["width"]


@pytest.mark.parametrize(
    ("name", "path"), [("team-view", "/team/?event=webx-2025"), ("event-edit", "/events/webx-2025/edit/")]
)
def test_the_manager_s_new_pages_do_not_scroll_sideways_on_a_phone(page, world, name, path):  # noqa: F811
    log_in(page, "mei", PASSWORD)
    page.set_viewport_size(PHONE)

    page.goto(path)

    assert page_width(page) <= PHONE["width"]
    screenshot(page, f"phone-{name}-mei")
