"""What a rep and a manager do in a real browser, with a screenshot of each main page."""

import csv
import importlib
import io
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from crm.choices import RepRole
from crm.models import Activity
from intel.choices import MatchStatus
from intel.models import Attendee
from leads.choices import FollowUpStatus
from leads.models import FollowUp, Score, ScoringModel
from tests.browser.conftest import TABLET, log_in, screenshot
from tests.crm.factories import ExchangeFactory, RepFactory, UserFactory, jurisdiction
from tests.ui.conftest import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def reseed() -> None:
    """Put back the reference data the migrations seed (vendors, jurisdictions, model v1): a
    transactional test before this one may have flushed the tables."""
    for module in ("crm.migrations.0003_seed_reference_data", "leads.migrations.0002_seed_scoring_model_v1"):
        importlib.import_module(module).seed(django_apps, None)


@pytest.fixture
def team(transactional_db):
    reseed()
    japan = RepFactory(user=UserFactory(username="kenji", first_name="Kenji", last_name="Sato"))
    japan.territories.set([jurisdiction("JP")])
    singapore = RepFactory(user=UserFactory(username="priya", first_name="Priya", last_name="Nair"))
    singapore.territories.set([jurisdiction("SG")])
    manager = RepFactory(user=UserFactory(username="mei", first_name="Mei", last_name="Lin"), role=RepRole.MANAGER)
    return {"japan": japan.user, "singapore": singapore.user, "manager": manager.user}


@pytest.fixture
def world(team):
    world = build_world(team, 3)
    # Kenji owns the Tokyo accounts he works: a rep changes only what they own.
    for exchange in world["exchanges"]:
        exchange.owner = team["japan"]
        exchange.save(update_fields=["owner"])
    evil = ExchangeFactory(name='=HYPERLINK("http://evil")', slug="evil", headquarters=jurisdiction("JP"))
    world["evil"] = evil
    return world


def test_a_rep_reads_today_opens_an_exchange_logs_a_meeting_and_exports(page, world, eager_celery):
    # given Kenji logs in
    log_in(page, "kenji", PASSWORD)

    # then Today shows his prospects with their reasons and his overdue follow-ups
    expect(page.get_by_role("heading", name="Top prospects")).to_be_visible()
    expect(page.get_by_text("Alibaba Cloud holds 60% of its allocations").first).to_be_visible()
    expect(page.locator("tr.overdue")).to_have_count(3)
    screenshot(page, "01-today")

    # when he opens an exchange, its factors read as sentences with links to their evidence
    page.get_by_role("link", name="Tokyo Exchange 0").first.click()
    expect(page.get_by_role("heading", name="Tokyo Exchange 0", level=1)).to_be_visible()
    expect(page.get_by_text("Alibaba Cloud holds 60% of its allocations")).to_be_visible()
    expect(page.locator("a.evidence-link").first).to_be_visible()
    before = int(page.get_by_test_id("score-value").inner_text())
    screenshot(page, "02-exchange")

    # when he logs a meeting, the score updates in place
    page.get_by_label("What").select_option("meeting")
    page.get_by_label("Summary").fill("Met the CTO at the booth")
    page.get_by_role("button", name="Log it").click()
    expect(page.locator("#timeline")).to_contain_text("Met the CTO at the booth")
    expect(page.get_by_test_id("score-value")).not_to_have_text(str(before))
    after = Score.objects.get(exchange__slug="tokyo-0").score
    expect(page.get_by_test_id("score-value")).to_have_text(str(after))
    assert after > before
    assert Activity.objects.filter(summary="Met the CTO at the booth", rep__username="kenji").count() == 1

    # when he exports the leads list, formula cells are neutralised
    page.goto("/leads/")
    screenshot(page, "03-leads")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names
    assert len(rows) == 1 + 5

    # and the page works at tablet width
    page.set_viewport_size(TABLET)
    page.goto("/exchanges/tokyo-0/")
    screenshot(page, "04-exchange-tablet")


def test_another_rep_cannot_see_the_first_rep_s_private_account(page, world):
    log_in(page, "priya", PASSWORD)

    page.goto("/leads/")
    expect(page.get_by_text("Kenji's Private Exchange")).to_have_count(0)
    response = page.goto("/exchanges/private-one/")
    assert response.status == 404


def test_a_rep_uploads_a_cp932_badge_scan_file_and_resolves_the_review_queue(page, world, tmp_path):
    # given a business-card export in Shift_JIS (CP932) with Japanese headers and one bad row
    data = (
        "氏名,会社名,メールアドレス,役職\r\n"
        "山田 太郎,Tokyo Exchange 1,taro@tokyo-1.example.com,インフラ部長\r\n"
        "佐藤 花子,Tokyo Exchange 2,hanako@tokyo-2.example.com,CTO\r\n"
        ",名無し,not-an-email,\r\n"
    ).encode("cp932")
    path = tmp_path / "名刺.csv"
    path.write_bytes(data)
    log_in(page, "kenji", PASSWORD)

    # when he uploads it, the preview shows the encoding, the guessed columns and the rejected row
    page.goto("/events/webx-2025/upload/")
    page.get_by_label("Badge-scan or business-card file (CSV or TSV)").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("cp932")
    expect(page.get_by_test_id("valid-rows")).to_have_text("2")
    expect(page.locator("#preview")).to_contain_text("line 4")
    screenshot(page, "05-upload-preview")

    # and commits the valid rows
    page.get_by_label("Keep the valid rows").check()
    page.get_by_role("button", name="Import 2 people").click()
    # the message and the event page say the same: both are his follow-ups now, no button pressed
    expect(page.locator(".messages")).to_contain_text("名刺.csv: 2 added: 2 in your territory.")
    expect(page.get_by_test_id("upload-summary").first).to_have_text("2 added: 2 in your territory")
    assert sorted(
        Attendee.objects.filter(full_name__in=["山田 太郎", "佐藤 花子"]).values_list("full_name", flat=True)
    ) == [
        "佐藤 花子",
        "山田 太郎",
    ]
    assert (
        FollowUp.objects.filter(attendee__full_name__in=["山田 太郎", "佐藤 花子"], assignee__username="kenji").count()
        == 2
    )
    screenshot(page, "06-event")

    # when he resolves review items without a reload: confirm one company, set another aside
    page.goto("/events/webx-2025/review/")
    screenshot(page, "07-review-queue")
    company = page.locator("section.review-group:not([data-done])").first.get_attribute("data-company")
    first = page.locator(f'section.review-group[data-company="{company}"]')
    first.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(first.locator("[data-review-status]")).to_contain_text("1 person matched to")
    other = page.locator("section.review-group:not([data-done])").first.get_attribute("data-company")
    second = page.locator(f'section.review-group[data-company="{other}"]')
    second.get_by_role("button", name=re.compile("^Not an exchange")).click()
    expect(second.locator("[data-review-status]")).to_contain_text("1 person set aside as not working for an exchange.")
    expect(page.locator('[data-count="review"]')).to_have_text("1")
    assert Attendee.objects.get(company__iexact=company).match_status == MatchStatus.MATCHED
    assert Attendee.objects.get(company__iexact=other).match_status == MatchStatus.NOT_AN_EXCHANGE


def test_a_manager_assigns_follow_ups_and_a_rep_completes_and_exports_them(page, world):
    log_in(page, "kenji", PASSWORD)
    page.goto("/events/webx-2025/follow-ups/")
    expect(page.locator("tr.overdue")).to_have_count(3)
    screenshot(page, "08-follow-up-board")
    # a rep moves his own follow-ups on but does not hand them out
    expect(page.get_by_label("Assign the ticked people to")).to_have_count(0)

    # when the manager ticks the first two people and gives them to Priya
    page.context.clear_cookies()
    log_in(page, "mei", PASSWORD)
    page.goto("/events/webx-2025/follow-ups/")
    page.get_by_label("Tick Met Person 2").check()
    page.get_by_label("Tick Met Person 1").check()
    page.get_by_label("Assign the ticked people to").select_option("priya")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("2 follow-ups assigned to Priya Nair.")).to_be_visible()

    # and Kenji marks the third, still his, as contacted
    page.context.clear_cookies()
    log_in(page, "kenji", PASSWORD)
    page.goto("/events/webx-2025/follow-ups/")
    page.get_by_label("Status of Met Person 0").select_option("contacted")
    page.locator(f"#follow-up-{FollowUp.objects.get(attendee__full_name='Met Person 0').pk}").get_by_role(
        "button", name="Save"
    ).click()
    expect(page.get_by_text("Met Person 0: Contacted.")).to_be_visible()

    assert dict(FollowUp.objects.values_list("attendee__full_name", "assignee__username")) == {
        "Met Person 0": "kenji",
        "Met Person 1": "priya",
        "Met Person 2": "priya",
    }
    assert FollowUp.objects.get(attendee__full_name="Met Person 0").status == FollowUpStatus.CONTACTED

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    # ranked best person first: their exchanges score alike, so their person scores tie and names decide
    assert [row[1] for row in rows[1:]] == ["Met Person 0", "Met Person 1", "Met Person 2"]
    assert len({f.person_score for f in FollowUp.objects.all()}) == 1


def test_a_rep_records_a_signal_after_seeing_which_exchanges_it_affects(page, world, eager_celery):
    log_in(page, "kenji", PASSWORD)
    page.goto("/signals/new/")
    page.get_by_label("Kind").select_option("outage")
    page.get_by_label("Title").fill("Alibaba Cloud Tokyo zone outage")
    page.get_by_label("Cloud vendor").select_option(label="Alibaba Cloud")
    page.get_by_label("Source note").fill("News reports")
    page.get_by_role("button", name="Show affected exchanges").click()
    expect(page.locator("#affected li")).to_have_count(3)
    screenshot(page, "09-signal-form")
    page.get_by_role("button", name="Save the signal").click()
    expect(page.get_by_text("Signal recorded: Alibaba Cloud Tokyo zone outage.")).to_be_visible()
    screenshot(page, "10-signals")


def test_a_manager_changes_a_weight_sees_the_impact_and_activates(page, world):
    log_in(page, "mei", PASSWORD)
    screenshot(page, "11-today-manager")
    page.goto("/scoring-model/")
    page.get_by_label("Largest rival points").fill("60")
    page.get_by_role("button", name="See the impact").click()
    expect(page.get_by_test_id("grade-changes")).to_be_visible()
    expect(page.locator("#impact tbody tr")).to_have_count(3)
    screenshot(page, "12-scoring-model-impact")
    page.get_by_label("Name of the new version").fill("Rivals weigh more")
    page.get_by_role("button", name="Activate as version 2").click()
    expect(page.get_by_text("Version 2 is active")).to_be_visible()
    assert ScoringModel.objects.get(is_active=True).parameters["largest_rival_points"] == 60
