"""Deciding everyone at a company at once, companies set aside for later imports, exchanges created
for the people no exchange was found for, and the follow-up list that updates itself after each."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Exchange
from intel.choices import MatchMethod, MatchStatus
from intel.models import Attendee, ExchangeAlias, NotAnExchangeCompany
from intel.services import (
    attendee_import,
    attendees_decide,
    company_groups,
    exchange_create_for_people,
    not_an_exchange_company_forget,
)
from leads.models import FollowUp
from tests.crm.factories import ExchangeFactory, RepFactory, UserFactory, jurisdiction
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db

NEWS_FILE = (
    "Name,Company,Email\n"
    "Aki Mori,CoinDesk Japan,aki@coindesk-jp.example\n"
    "Ben Ito,ＣｏｉｎＤｅｓｋ Japan KK,ben@coindesk-jp.example\n"
    "Cho Abe,CoinDesk Japan,cho@coindesk-jp.example\n"
    "Dai Ueda,バイビット株式会社,dai@gmail.com\n"
).encode()


@pytest.fixture
def event():
    return EventFactory(country=jurisdiction("JP"))


@pytest.fixture
def kenji():
    rep = RepFactory(user=UserFactory(username="kenji"))
    rep.territories.set([jurisdiction("JP")])
    return rep.user


@pytest.fixture
def manager():
    return RepFactory(user=UserFactory(username="mei"), role="manager").user


def people(event, company_start: str) -> list[Attendee]:
    return list(Attendee.objects.filter(event=event, company__startswith=company_start).order_by("full_name"))


def test_people_at_one_company_however_it_is_written_are_one_card(event):
    attendee_import(event=event, data=NEWS_FILE)

    groups = company_groups(Attendee.objects.filter(event=event).order_by("full_name"))

    assert [(group.key, len(group.people)) for group in groups] == [("coindesk japan", 3), ("バイビット", 1)]


def test_not_an_exchange_for_a_company_sets_all_aside_and_later_imports_skip_it(event, kenji):
    attendee_import(event=event, data=NEWS_FILE)
    news = people(event, "CoinDesk") + people(event, "ＣｏｉｎＤｅｓｋ")

    decided = attendees_decide(attendees=news, decision="not_exchange", user=kenji, remember=True)

    assert decided == 3
    assert set(Attendee.objects.filter(pk__in=[p.pk for p in news]).values_list("match_status", flat=True)) == {
        MatchStatus.NOT_AN_EXCHANGE
    }
    assert list(NotAnExchangeCompany.objects.values_list("normalised", "company", "decided_by__username")) == [
        ("coindesk japan", "CoinDesk Japan", "kenji")
    ]
    # and the next file's new reporter there is set aside without asking
    outcome = attendee_import(event=event, data=b"Name,Company\nEmi Sato,COINDESK JAPAN Inc.\n")
    emi = Attendee.objects.get(full_name="Emi Sato")
    assert (emi.match_status, emi.match_method, outcome.not_an_exchange, outcome.review) == (
        MatchStatus.NOT_AN_EXCHANGE,
        MatchMethod.MANUAL,
        1,
        0,
    )


def test_only_a_manager_undoes_a_company_set_aside(event, kenji, manager):
    company = NotAnExchangeCompany.objects.create(company="CoinDesk Japan", decided_by=kenji)

    with pytest.raises(PermissionDenied):
        not_an_exchange_company_forget(company=company, user=kenji)
    assert NotAnExchangeCompany.objects.count() == 1

    not_an_exchange_company_forget(company=company, user=manager)
    assert NotAnExchangeCompany.objects.count() == 0
    attendee_import(event=event, data=b"Name,Company\nEmi Sato,CoinDesk Japan\n")
    assert Attendee.objects.get(full_name="Emi Sato").match_status == MatchStatus.UNMATCHED


def test_a_company_decision_the_rep_may_not_make_for_one_person_changes_nobody(event, kenji):
    # given two people at "Tokio Exch", one suggested for Kenji's account, one for another rep's
    mine = ExchangeFactory(name="Tokyo Exchange", slug="tokyo", owner=kenji, headquarters=jurisdiction("JP"))
    other = RepFactory(user=UserFactory(username="priya")).user
    theirs = ExchangeFactory(name="Tokyo Exchange Two", slug="tokyo-2", owner=other, headquarters=jurisdiction("JP"))
    for name, exchange in (("Ann", mine), ("Bob", theirs)):
        Attendee.objects.create(
            event=event,
            full_name=name,
            company="Tokio Exch",
            dedupe_key=name,
            exchange=exchange,
            match_status=MatchStatus.REVIEW,
            match_method=MatchMethod.FUZZY_NAME,
            match_confidence=70,
        )
    group = people(event, "Tokio")

    # when Kenji confirms both, or sets both aside
    for decision in ("confirm", "not_exchange"):
        with pytest.raises(PermissionDenied):
            attendees_decide(attendees=group, decision=decision, user=kenji, remember=True)

    # then nothing changed: both still in review, no company remembered, no follow-up
    assert list(Attendee.objects.filter(event=event).values_list("full_name", "match_status", "exchange__slug")) == [
        ("Ann", MatchStatus.REVIEW, "tokyo"),
        ("Bob", MatchStatus.REVIEW, "tokyo-2"),
    ]
    assert NotAnExchangeCompany.objects.count() == 0
    assert FollowUp.objects.count() == 0


def test_a_rep_creates_the_exchange_of_a_katakana_company_owns_it_and_gets_the_follow_up(event, kenji):
    attendee_import(event=event, data=NEWS_FILE)
    dai = people(event, "バイビット")
    assert dai[0].match_status == MatchStatus.UNMATCHED

    exchange = exchange_create_for_people(
        name="Bybit Japan",
        website="https://www.bybit.co.jp",
        headquarters=jurisdiction("JP"),
        attendees=dai,
        user=kenji,
    )

    assert (exchange.slug, exchange.owner, exchange.headquarters.code) == ("bybit-japan", kenji, "JP")
    assert list(ExchangeAlias.objects.filter(exchange=exchange).values_list("alias", "source")) == [
        ("バイビット株式会社", "added by a rep")
    ]
    dai = Attendee.objects.get(full_name="Dai Ueda")
    assert (dai.match_status, dai.exchange_id, dai.reviewed_by) == (MatchStatus.MATCHED, exchange.pk, kenji)
    # and he reaches the follow-ups, assigned to the account's owner, with no button pressed
    follow_up = FollowUp.objects.get(attendee=dai)
    assert (follow_up.assignee, follow_up.assignment_method) == (kenji, "territory")
    # and the next import matches the company by its katakana name
    attendee_import(event=event, data="Name,Company\nEri Kato,バイビット\n".encode())
    assert Attendee.objects.get(full_name="Eri Kato").exchange_id == exchange.pk


def test_a_manager_s_new_exchange_has_no_owner(event, manager):
    attendee_import(event=event, data=NEWS_FILE)

    exchange = exchange_create_for_people(name="Bybit Japan", attendees=people(event, "バイビット"), user=manager)

    assert exchange.owner is None


def test_an_exchange_name_already_taken_is_refused_and_nothing_is_written(event, kenji):
    ExchangeFactory(name="Bybit", slug="bybit")
    attendee_import(event=event, data=NEWS_FILE)
    before = Exchange.objects.count()

    with pytest.raises(ValidationError) as refused:
        exchange_create_for_people(name="  bybit ", attendees=people(event, "バイビット"), user=kenji)

    assert refused.value.message_dict == {
        "name": ["An exchange named Bybit already exists: match the people to it instead."]
    }
    assert Exchange.objects.count() == before
    assert people(event, "バイビット")[0].match_status == MatchStatus.UNMATCHED


def test_a_bad_website_is_refused_naming_the_field_and_nothing_is_written(event, kenji):
    attendee_import(event=event, data=NEWS_FILE)
    before = Exchange.objects.count()

    with pytest.raises(ValidationError) as refused:
        exchange_create_for_people(
            name="Bybit Japan", website="not a url", attendees=people(event, "バイビット"), user=kenji
        )

    assert list(refused.value.message_dict) == ["website"]
    assert Exchange.objects.count() == before
    assert ExchangeAlias.objects.filter(alias="バイビット株式会社").count() == 0


def test_the_follow_up_list_builds_itself_after_an_import_and_a_second_import_changes_nothing(event, kenji):
    ExchangeFactory(name="OKX", slug="okx", website="https://www.okx.com", headquarters=jurisdiction("JP"))
    data = b"Name,Company,Email\nAnn,OKX,ann@okx.com\nBob,OKX Japan,bob@okx.com\n"

    attendee_import(event=event, data=data)
    first = list(
        FollowUp.objects.order_by("attendee__full_name").values_list("pk", "attendee__full_name", "assignee__username")
    )
    attendee_import(event=event, data=data)
    second = list(
        FollowUp.objects.order_by("attendee__full_name").values_list("pk", "attendee__full_name", "assignee__username")
    )

    assert [row[1:] for row in first] == [("Ann", "kenji"), ("Bob", "kenji")]
    assert second == first


def test_a_follow_up_made_by_an_import_or_a_review_carries_its_person_s_event(event, kenji):
    # given OKX, Kenji's account, and a second event where a person at "OKX Jpn" waits in review
    okx = ExchangeFactory(name="OKX", slug="okx", website="https://www.okx.com", owner=kenji)
    summit = EventFactory(name="Token Summit", slug="token-summit")
    Attendee.objects.create(
        event=summit,
        full_name="Cho",
        company="OKX Jpn",
        dedupe_key="cho",
        exchange=okx,
        match_status=MatchStatus.REVIEW,
        match_method=MatchMethod.FUZZY_NAME,
        match_confidence=70,
    )

    # when a file matches Ann at the first event, and Kenji confirms Cho at the second
    attendee_import(event=event, data=b"Name,Company,Email\nAnn,OKX,ann@okx.com\n")
    attendees_decide(attendees=people(summit, "OKX"), decision="confirm", user=kenji, remember=False)

    # then each follow-up is on its person's event: the board of each lists its own person
    assert list(FollowUp.objects.order_by("attendee__full_name").values_list("attendee__full_name", "event__slug")) == [
        ("Ann", "webx-2025"),
        ("Cho", "token-summit"),
    ]
    assert [f.attendee.full_name for f in FollowUp.objects.for_event(summit.pk)] == ["Cho"]
