"""Who gets a follow-up: only people at matched exchanges, given to the account's owner, else a rep covering
the exchange, never to a rep who cannot open it."""

import datetime

import pytest

from intel.models import Attendee
from leads.models import FollowUp
from leads.services import follow_ups_create_for_event, scores_rescore
from tests.crm.factories import ExchangeFactory, RepFactory, UserFactory, jurisdiction
from tests.leads.factories import webx_tokyo

pytestmark = pytest.mark.django_db


def met(event, name, exchange=None, status="matched"):
    return Attendee.objects.create(
        event=event,
        full_name=name,
        title="SRE",
        company=exchange.name if exchange else "Somewhere",
        exchange=exchange,
        match_status=status,
        dedupe_key=name.lower(),
    )


@pytest.fixture
def demo_team(db):
    """The demo's three reps with their territories."""
    return {
        "japan": RepFactory(user=UserFactory(username="rep.japan"), territories=[jurisdiction("JP")]).user,
        "singapore": RepFactory(user=UserFactory(username="rep.singapore"), territories=[jurisdiction("SG")]).user,
        "west": RepFactory(
            user=UserFactory(username="rep.west"), territories=[jurisdiction("US"), jurisdiction("SC")]
        ).user,
    }


def assignments(event):
    return list(
        FollowUp.objects.filter(attendee__event=event)
        .order_by("attendee__full_name")
        .values_list("attendee__full_name", "assignee__username", "assignment_method")
    )


def test_the_account_owner_gets_the_people_of_their_account_before_any_territory(demo_team, home_vendor_slug):
    # given OKX headquartered in the Seychelles (rep.west's territory) but owned by rep.singapore,
    # and Binance (Cayman, nobody's territory) owned by rep.japan
    okx = ExchangeFactory(slug="okx", name="OKX", headquarters=jurisdiction("SC"), owner=demo_team["singapore"])
    binance = ExchangeFactory(slug="binance", name="Binance", headquarters=jurisdiction("KY"), owner=demo_team["japan"])
    scores_rescore(as_of=datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC))
    event = webx_tokyo()
    for index in range(3):
        met(event, f"OKX person {index}", okx)
    met(event, "Binance SRE", binance)

    # when the list is built
    follow_ups_create_for_event(event=event)

    # then every OKX person goes to rep.singapore and the Binance SRE to rep.japan
    assert assignments(event) == [
        ("Binance SRE", "rep.japan", "territory"),
        ("OKX person 0", "rep.singapore", "territory"),
        ("OKX person 1", "rep.singapore", "territory"),
        ("OKX person 2", "rep.singapore", "territory"),
    ]


def test_without_an_owner_the_least_loaded_covering_rep_gets_them_and_nobody_else(demo_team, home_vendor_slug):
    # given an exchange in Japan without owner, and one in Brazil that no rep covers or owns
    tokyo = ExchangeFactory(slug="tokyoex", name="Tokyoex", headquarters=jurisdiction("JP"))
    brazil = ExchangeFactory(slug="paulista", name="Paulista", headquarters=jurisdiction("BR"))
    scores_rescore(as_of=datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC))
    event = webx_tokyo()
    met(event, "Aiko", tokyo)
    met(event, "Bruno", brazil)

    # when the list is built
    follow_ups_create_for_event(event=event)

    # then the Japan rep gets the Tokyo person; the Brazilian is left for a manager, not handed round-robin
    # to a rep whose exchange page would answer 404
    assert assignments(event) == [
        ("Aiko", "rep.japan", "territory"),
        ("Bruno", None, "unassigned"),
    ]


def test_only_people_at_matched_exchanges_get_a_follow_up(demo_team, home_vendor_slug):
    # given people at a matched exchange, in review, matched to nothing, and at a cloud vendor
    tokyo = ExchangeFactory(slug="tokyoex", name="Tokyoex", headquarters=jurisdiction("JP"))
    scores_rescore(as_of=datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC))
    event = webx_tokyo()
    met(event, "Matched", tokyo)
    met(event, "In review", tokyo, status="review")
    met(event, "Consultant", status="unmatched")
    met(event, "Vendor staff", status="not_exchange")

    # when the list is built
    follow_ups = follow_ups_create_for_event(event=event)

    # then only the matched person is on it
    assert [f.attendee.full_name for f in follow_ups] == ["Matched"]


def test_a_refresh_drops_untouched_follow_ups_of_unmatched_people_and_fixes_wrong_automatic_assignments(
    demo_team, home_vendor_slug
):
    # given a list built before the rule: an unmatched person to do, one already contacted, and an OKX person
    # handed round-robin to rep.west, who cannot open OKX (owned by rep.singapore, in no territory of west)
    okx = ExchangeFactory(slug="okx", name="OKX", headquarters=jurisdiction("SG"), owner=demo_team["singapore"])
    scores_rescore(as_of=datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC))
    event = webx_tokyo()
    due = datetime.datetime(2025, 8, 28, 15, tzinfo=datetime.UTC)
    FollowUp.objects.create(event=event, attendee=met(event, "Untouched", status="unmatched"), due_at=due)
    FollowUp.objects.create(
        event=event,
        attendee=met(event, "Contacted", status="unmatched"),
        due_at=due,
        status="contacted",
        assignee=demo_team["west"],
    )
    FollowUp.objects.create(
        event=event,
        attendee=met(event, "OKX person", okx),
        due_at=due,
        assignee=demo_team["west"],
        assignment_method="round_robin",
    )

    # when the list is refreshed
    follow_ups_create_for_event(event=event)

    # then the untouched unmatched person is gone, the contacted one kept, and OKX's person is rep.singapore's
    assert assignments(event) == [
        ("Contacted", "rep.west", "unassigned"),
        ("OKX person", "rep.singapore", "territory"),
    ]
    # and the kept one says its person has no exchange (a manager sees it only if it is theirs)
    assert list(
        FollowUp.objects.filter(event=event, has_exchange=False).values_list("attendee__full_name", flat=True)
    ) == ["Contacted"]


def test_a_hand_made_assignment_is_kept(demo_team, home_vendor_slug):
    # given an OKX person a manager gave to rep.japan by hand
    okx = ExchangeFactory(slug="okx", name="OKX", headquarters=jurisdiction("SG"), owner=demo_team["singapore"])
    scores_rescore(as_of=datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC))
    event = webx_tokyo()
    FollowUp.objects.create(
        event=event,
        attendee=met(event, "OKX person", okx),
        due_at=datetime.datetime(2025, 8, 28, 15, tzinfo=datetime.UTC),
        assignee=demo_team["japan"],
        assignment_method="manual",
    )

    # when the list is refreshed
    follow_ups_create_for_event(event=event)

    # then the manager's choice stands
    assert assignments(event) == [("OKX person", "rep.japan", "manual")]
