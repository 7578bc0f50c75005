"""The review queue by company, the "No exchange found" tab, and the one truthful count of who acts
next after an upload (the upload's message, the event page and the API say the same)."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from crm.models import Exchange
from intel.choices import MatchMethod, MatchStatus
from intel.models import Attendee, NotAnExchangeCompany
from leads.models import FollowUp
from tests.crm.factories import ExchangeFactory, jurisdiction
from tests.intel.factories import EventFactory, alias

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def in_review(event, company: str, exchange, names) -> list[Attendee]:
    return [
        Attendee.objects.create(
            event=event,
            full_name=name,
            company=company,
            dedupe_key=name,
            exchange=exchange,
            match_status=MatchStatus.REVIEW if exchange else MatchStatus.UNMATCHED,
            match_method=MatchMethod.FUZZY_NAME if exchange else MatchMethod.NONE,
            match_confidence=72 if exchange else 0,
        )
        for name in names
    ]


@pytest.fixture
def newsroom(world):
    """Three people at "CoinDesk Japan", suggested for Tokyo Exchange 0."""
    return in_review(world["event"], "CoinDesk Japan", world["exchanges"][0], ["Aki Mori", "Ben Ito", "Cho Abe"])


def statuses(people) -> list[tuple[str, str]]:
    return list(
        Attendee.objects.filter(pk__in=[p.pk for p in people])
        .order_by("full_name")
        .values_list("full_name", "match_status")
    )


def test_the_queue_shows_one_card_per_company_with_one_decision_for_all(manager_client, world, newsroom):
    response = manager_client.get(f"/events/{world['event'].slug}/review/")

    html = response.content.decode()
    assert html.count('class="card review-group"') == 4  # CoinDesk Japan and the three "Tokio Exch" companies
    assert "Confirm Tokyo Exchange 0 for all 3 at this company" in html
    assert "Not an exchange (all 3)" in html
    assert "<kbd>j</kbd> / <kbd>k</kbd>" in html  # the shortcuts are documented on the page
    assert [len(group.people) for group in response.context["groups"]] == [3, 1, 1, 1]


def test_confirming_for_all_answers_json_and_puts_them_on_the_owner_s_follow_ups(japan_client, team, world, newsroom):
    # given Kenji owns Tokyo Exchange 0
    Exchange.objects.filter(pk=world["exchanges"][0].pk).update(owner=team["japan"])

    response = japan_client.post(
        f"/events/{world['event'].slug}/review/company/",
        {"company": "coindesk japan", "decision": "confirm"},
        **JSON,
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["decided"], body["counts"]) == (True, 3, {"review": 3, "unmatched": 0})
    assert body["message"] == ("CoinDesk Japan: 3 people matched to Tokyo Exchange 0. Follow-ups: 3 in your territory.")
    assert statuses(newsroom) == [("Aki Mori", "matched"), ("Ben Ito", "matched"), ("Cho Abe", "matched")]
    assert sorted(
        FollowUp.objects.filter(attendee__in=newsroom).values_list("attendee__full_name", "assignee__username")
    ) == [("Aki Mori", "kenji"), ("Ben Ito", "kenji"), ("Cho Abe", "kenji")]


def test_a_company_decision_on_an_account_the_rep_does_not_own_is_403_and_changes_nothing(
    japan_client, world, newsroom
):
    # Tokyo Exchange 0 is in Kenji's territory but nobody's account: a manager decides.
    url = f"/events/{world['event'].slug}/review/company/"
    refused = japan_client.post(
        url, {"company": "coindesk japan", "decision": "not_exchange", "remember": "on"}, **JSON
    )
    without_script = japan_client.post(url, {"company": "coindesk japan", "decision": "confirm"})

    assert refused.status_code == 403
    assert refused.json() == {
        "ok": False,
        "message": "You may change only the accounts you own; Tokyo Exchange 0 is not yours (a manager changes any).",
    }
    assert without_script.status_code == 403
    assert statuses(newsroom) == [("Aki Mori", "review"), ("Ben Ito", "review"), ("Cho Abe", "review")]
    assert NotAnExchangeCompany.objects.count() == 0
    assert FollowUp.objects.filter(attendee__in=newsroom).count() == 0


def test_not_an_exchange_without_script_redirects_back_and_remembers_the_company(manager_client, world, newsroom):
    response = manager_client.post(
        f"/events/{world['event'].slug}/review/company/",
        {"company": "coindesk japan", "decision": "not_exchange", "remember": "on"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/events/{world['event'].slug}/review/", 302)]
    assert "CoinDesk Japan: 3 people set aside as not working for an exchange." in response.content.decode()
    assert statuses(newsroom) == [
        ("Aki Mori", "not_exchange"),
        ("Ben Ito", "not_exchange"),
        ("Cho Abe", "not_exchange"),
    ]
    assert list(NotAnExchangeCompany.objects.values_list("company", flat=True)) == ["CoinDesk Japan"]
    # and the manager sees it listed, to undo
    assert "Companies set aside as not an exchange" in response.content.decode()


def test_only_a_manager_undoes_a_company_set_aside_on_the_page(client, team, world):
    company = NotAnExchangeCompany.objects.create(company="CoinDesk Japan")
    url = f"/events/{world['event'].slug}/review/set-aside/{company.pk}/forget/"

    client.force_login(team["japan"])
    assert client.post(url).status_code == 403
    assert NotAnExchangeCompany.objects.count() == 1

    client.force_login(team["manager"])
    assert client.post(url).status_code == 302
    assert NotAnExchangeCompany.objects.count() == 0


def test_the_no_exchange_found_tab_finds_a_katakana_company_typed_in_hiragana(japan_client, world):
    in_review(world["event"], "バイビット株式会社", None, ["Dai Ueda"])
    in_review(world["event"], "GMOコイン", None, ["Eri Kato", "Fumi Goto"])

    everyone = japan_client.get(f"/events/{world['event'].slug}/review/", {"tab": "unmatched"})
    found = japan_client.get(f"/events/{world['event'].slug}/review/", {"tab": "unmatched", "q": "ばいびっと"})

    assert [(g.company, len(g.people)) for g in everyone.context["groups"]] == [
        ("GMOコイン", 2),
        ("バイビット株式会社", 1),
    ]
    assert [g.company for g in found.context["groups"]] == ["バイビット株式会社"]
    assert 'No exchange found (<span data-count="unmatched">3</span>)' in found.content.decode()


def test_a_rep_matches_a_company_by_the_exchange_s_katakana_name(japan_client, team, world):
    bybit = ExchangeFactory(name="Bybit", slug="bybit", owner=team["japan"], headquarters=jurisdiction("AE"))
    alias(bybit, "バイビット")
    dai = in_review(world["event"], "バイビット株式会社", None, ["Dai Ueda"])

    response = japan_client.post(
        f"/events/{world['event'].slug}/review/company/",
        {"tab": "unmatched", "company": "バイビット", "decision": "choose", "exchange": "ばいびっと", "remember": "on"},
        **JSON,
    )

    assert response.status_code == 200
    assert response.json()["message"] == (
        "バイビット株式会社: 1 person matched to Bybit. Follow-ups: 1 in your territory."
    )
    assert (Attendee.objects.get(pk=dai[0].pk).exchange_id, FollowUp.objects.get(attendee=dai[0]).assignee) == (
        bybit.pk,
        team["japan"],
    )


def test_a_name_no_exchange_answers_to_is_a_400_naming_it_and_changes_nothing(japan_client, world):
    dai = in_review(world["event"], "バイビット株式会社", None, ["Dai Ueda"])

    response = japan_client.post(
        f"/events/{world['event'].slug}/review/company/",
        {"tab": "unmatched", "company": "バイビット", "decision": "choose", "exchange": "Nowhere Coin"},
        **JSON,
    )

    assert response.status_code == 400
    assert response.json()["message"] == (
        "バイビット株式会社: No exchange you may see is called “Nowhere Coin”: pick one from the list, or create it."
    )
    assert statuses(dai) == [("Dai Ueda", "unmatched")]


def test_a_rep_creates_the_exchange_from_the_tab_and_owns_it(japan_client, team, world):
    dai = in_review(world["event"], "バイビット株式会社", None, ["Dai Ueda"])

    response = japan_client.post(
        f"/events/{world['event'].slug}/review/company/",
        {
            "tab": "unmatched",
            "company": "バイビット",
            "decision": "create",
            "name": "Bybit Japan",
            "website": "https://www.bybit.co.jp",
            "headquarters": "JP",
        },
        follow=True,
    )

    assert response.redirect_chain == [(f"/events/{world['event'].slug}/review/?tab=unmatched", 302)]
    created = Exchange.objects.get(name="Bybit Japan")
    assert (created.owner, created.headquarters.code) == (team["japan"], "JP")
    assert FollowUp.objects.get(attendee=dai[0]).assignee == team["japan"]
    assert (
        "バイビット株式会社: Bybit Japan created and 1 person matched to it. Follow-ups: 1 in your territory."
        in response.content.decode()
    )


# ---------------------------------------------------------------- one count after an upload

SUMMARY_FILE = (
    b"Name,Company,Email\n"
    b"Ann,Kenji Exchange,ann@kenji-ex.example\n"
    b"Bea,Kenji Exchange,bea@kenji-ex.example\n"
    b"Cal,Priya Exchange,cal@priya-ex.example\n"
    b"Dee,Unowned Tokyo,dee@unowned-tokyo.example\n"
    b"Eve,Mystery Corp,eve@mystery.example\n"
    b"Fay,Amazon Web Services,fay@amazon.com\n"
)
EXPECTED = (
    "6 added: 2 in your territory, 1 passed to their owners, 1 waiting for a manager, "
    "1 with no exchange found, 1 not at an exchange"
)


@pytest.fixture
def accounts(team):
    tokyo = jurisdiction("JP")
    ExchangeFactory(
        name="Kenji Exchange",
        slug="kenji-ex",
        website="https://kenji-ex.example",
        owner=team["japan"],
        headquarters=tokyo,
    )
    ExchangeFactory(
        name="Priya Exchange",
        slug="priya-ex",
        website="https://priya-ex.example",
        owner=team["singapore"],
        headquarters=tokyo,
    )
    ExchangeFactory(
        name="Unowned Tokyo", slug="unowned-tokyo", website="https://unowned-tokyo.example", headquarters=tokyo
    )


def test_the_upload_message_and_the_event_page_give_the_same_truthful_count(japan_client, accounts):
    event = EventFactory(country=jurisdiction("JP"))
    japan_client.post(
        f"/events/{event.slug}/upload/", {"file": SimpleUploadedFile("scans.csv", SUMMARY_FILE, "text/csv")}
    )

    response = japan_client.post(
        f"/events/{event.slug}/upload/", {"token": hashlib.sha256(SUMMARY_FILE).hexdigest()[:32]}, follow=True
    )

    html = response.content.decode()
    assert f"scans.csv: {EXPECTED}." in html  # the message
    assert f'<span data-testid="upload-summary">{EXPECTED}</span>' in html  # the event page's upload line
    # and the list was built without a button: Ann and Bea are Kenji's follow-ups
    assert sorted(FollowUp.objects.values_list("attendee__full_name", "assignee__username")) == [
        ("Ann", "kenji"),
        ("Bea", "kenji"),
    ]


def test_the_import_api_gives_the_same_count(team, accounts):
    event = EventFactory(country=jurisdiction("JP"))
    client = APIClient()
    client.force_login(team["japan"])

    response = client.post(
        f"/api/v1/events/{event.slug}/attendees/import/",
        {"file": SimpleUploadedFile("scans.csv", SUMMARY_FILE, "text/csv")},
        format="multipart",
    )

    assert response.status_code == 201
    assert json.loads(response.content)["follow_ups"] == {
        "added": 6,
        "updated": 0,
        "in_your_territory": 2,
        "passed_to_owners": 1,
        "waiting_for_manager": 1,
        "no_exchange_found": 1,
        "not_an_exchange": 1,
        "text": EXPECTED,
        "next_steps": EXPECTED.removeprefix("6 added: "),
    }


def test_both_tabs_pass_the_html_check_with_every_form_shown(manager_client, world, newsroom):
    from tests.ui.html_check import problems

    in_review(world["event"], "バイビット株式会社", None, ["Dai Ueda", "Eri Kato"])
    NotAnExchangeCompany.objects.create(company="CoinTelegraph Japan")

    for query in ({}, {"tab": "unmatched"}):
        html = manager_client.get(f"/events/{world['event'].slug}/review/", query).content.decode()
        assert problems(html) == []
    assert "Create it and match all 2" in html
    assert "CoinTelegraph Japan" in html  # the manager's list of companies set aside, to undo


def test_the_exchange_list_suggests_this_page_s_exchanges_and_a_typed_name_still_matches_without_script(
    manager_client, world, newsroom
):
    kraken = ExchangeFactory(name="Kraken", slug="kraken", headquarters=jurisdiction("US"))
    page = f"/events/{world['event'].slug}/review/"

    html = manager_client.get(page).content.decode()
    offered = html.split('<datalist id="exchange-slugs">', 1)[1].split("</datalist>", 1)[0]
    response = manager_client.post(
        page + "company/", {"company": "coindesk japan", "decision": "choose", "exchange": "Kraken"}
    )

    assert f'<option value="{world["exchanges"][0].slug}">Tokyo Exchange 0</option>' in offered
    assert "kraken" not in offered
    assert response.status_code == 302
    assert set(Attendee.objects.filter(pk__in=[p.pk for p in newsroom]).values_list("exchange_id", flat=True)) == {
        kraken.pk
    }
