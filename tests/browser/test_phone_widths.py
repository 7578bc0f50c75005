"""At a phone's width (390 px) no page a rep or a manager uses scrolls sideways: every page of the
navigation, the board with its next steps, the cadence, and Today with what a model activation changed."""

import pytest

from leads.models import RescoreChunk, ScoringModel
from leads.services import (
    follow_ups_reschedule,
    rescore_chunk_serve,
    scoring_model_activate,
    scoring_model_create_version,
)
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_journeys import team, world  # noqa: F401 (fixtures)
from tests.ui.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}

REP_PAGES = [
    ("today", "/"),
    ("leads", "/leads/"),
    ("defend", "/leads/defend/"),
    ("exchange", "/exchanges/tokyo-0/"),
    ("events", "/events/"),
    ("event", "/events/webx-2025/"),
    ("upload", "/events/webx-2025/upload/"),
    ("review", "/events/webx-2025/review/"),
    ("board", "/events/webx-2025/follow-ups/"),
    ("board-mine", "/events/webx-2025/follow-ups/?mine=1&status=to_do"),
    ("cadence", "/events/webx-2025/cadence/"),
    ("signals", "/signals/"),
    ("signal-new", "/signals/new/"),
    ("preferences", "/preferences/"),
]
MANAGER_PAGES = [
    *REP_PAGES,
    ("team", "/team/"),
    ("team-event", "/team/?event=webx-2025"),
    ("event-edit", "/events/webx-2025/edit/"),
    ("event-new", "/events/new/"),
    ("scoring-model", "/scoring-model/"),
    ("radar", "/radar/"),
    ("data-coverage", "/data-coverage/"),
]


@pytest.fixture
def morning_after(world):  # noqa: F811
    """The world's follow-ups on their cadence, and a model activation whose rescore moved every grade."""
    follow_ups_reschedule(event=world["event"])
    parameters = ScoringModel.objects.get(is_active=True).get_parameters().to_dict()
    model = scoring_model_create_version(parameters=parameters | {"grade_a": 99, "grade_b": 98, "grade_c": 97})
    scoring_model_activate(scoring_model=model)
    for chunk in RescoreChunk.objects.order_by("first_id"):
        rescore_chunk_serve(chunk_id=chunk.pk)
    return world


def overflowing(page, username: str, pages) -> list[str]:
    log_in(page, username, PASSWORD)
    page.set_viewport_size(PHONE)
    wide = []
    for name, path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide.append(f"{path}: {width} px")
        screenshot(page, f"phone-390-{name}-{username}")
    return wide


def test_no_page_a_rep_uses_scrolls_sideways_at_390_px(page, morning_after):
    assert overflowing(page, "kenji", REP_PAGES) == []
    page.goto("/events/webx-2025/follow-ups/")
    # every grade fell to D with the activation, so the untouched follow-ups took D's cadence
    assert page.get_by_test_id("next-step").first.inner_text() == "Nurture"


def test_no_page_a_manager_uses_scrolls_sideways_at_390_px(page, morning_after):
    assert overflowing(page, "mei", MANAGER_PAGES) == []
    page.goto("/")
    assert page.get_by_test_id("activation-moves").is_visible()


@pytest.fixture
def on_cadence(world):  # noqa: F811
    follow_ups_reschedule(event=world["event"])
    return world


def test_on_a_phone_a_rep_logs_the_call_a_follow_up_asks_for_and_the_board_shows_its_email_next(
    page, on_cadence, eager_celery
):
    from playwright.sync_api import expect

    from leads.models import FollowUp

    log_in(page, "kenji", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/events/webx-2025/follow-ups/?mine=1")
    row = page.locator("tr", has_text="Met Person 0")
    expect(row.get_by_test_id("next-step")).to_have_text("Call")

    row.get_by_role("link", name="log a call").click()
    page.get_by_label("What").select_option("call")
    page.get_by_label("Summary").fill("Called about the Tokyo region")
    page.get_by_role("button", name="Log it").click()
    expect(page.locator("#log-form [role=status]")).to_have_text("Saved")

    page.goto("/events/webx-2025/follow-ups/?mine=1")
    expect(page.locator("tr", has_text="Met Person 0").get_by_test_id("next-step")).to_have_text("Email step 2")
    follow_up = FollowUp.objects.get(attendee__full_name="Met Person 0")
    assert (follow_up.step_index, follow_up.next_step, follow_up.status) == (1, "email", "contacted")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-390-board-after-call-kenji")
