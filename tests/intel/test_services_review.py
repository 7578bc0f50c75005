"""The review queue: confirm, choose another exchange, mark as not an exchange."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Contact, EvidenceChange
from intel.choices import MatchMethod, MatchStatus
from intel.models import Attendee, ExchangeAlias
from intel.queries import matcher_load
from intel.services import (
    attendee_import,
    attendee_mark_not_exchange,
    attendee_match_choose,
    attendee_match_confirm,
    exchange_alias_add,
)
from tests.crm.factories import ExchangeFactory, RepFactory, UserFactory, jurisdiction
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db

FILE = b"Name,Company,Email\nBob Lee,Binance Wallet,bob@bnb-jp.example\nCarol,Mystery Corp,\n"


@pytest.fixture
def queue():
    okx = ExchangeFactory(name="OKX", slug="okx", website="https://www.okx.com")
    binance = ExchangeFactory(name="Binance", slug="binance", website="https://www.binance.com")
    event = EventFactory()
    attendee_import(event=event, data=FILE)
    EvidenceChange.objects.all().delete()
    return okx, binance, Attendee.objects.get(full_name="Bob Lee"), Attendee.objects.get(full_name="Carol")


@pytest.fixture
def manager():
    return UserFactory(username="manager", is_superuser=True)


def test_the_queue_holds_the_match_below_the_threshold(queue):
    assert list(Attendee.objects.review_queue().values_list("full_name", "match_confidence")) == [("Bob Lee", 80)]


def test_confirming_matches_the_suggested_exchange_and_creates_the_contact(queue, manager):
    _, binance, bob, _ = queue

    attendee_match_confirm(attendee=bob, user=manager)

    bob.refresh_from_db()
    assert (bob.exchange_id, bob.match_method, bob.match_confidence, bob.match_status, bob.reviewed_by) == (
        binance.pk,
        MatchMethod.FUZZY_NAME,
        100,
        MatchStatus.MATCHED,
        manager,
    )
    assert list(Contact.objects.values_list("exchange__slug", "email", "pk")) == [
        ("binance", "bob@bnb-jp.example", bob.contact_id)
    ]
    assert list(EvidenceChange.objects.values_list("exchange__slug", "reference")) == [
        ("binance", f"attendee:{bob.pk}")
    ]
    assert list(Attendee.objects.review_queue()) == []


def test_confirming_without_a_suggestion_is_refused_and_changes_nothing(queue, manager):
    *_, carol = queue

    with pytest.raises(ValidationError) as refused:
        attendee_match_confirm(attendee=carol, user=manager)

    assert refused.value.message_dict == {
        "exchange": ["Carol has no suggested exchange to confirm; choose one instead."]
    }
    carol.refresh_from_db()
    assert (carol.match_status, carol.reviewed_at) == (MatchStatus.UNMATCHED, None)


def test_choosing_another_exchange_can_teach_the_matching_an_alias(queue, manager):
    okx, _, bob, _ = queue

    attendee_match_choose(attendee=bob, exchange=okx, user=manager, remember_alias=True)

    bob.refresh_from_db()
    assert (bob.exchange_id, bob.match_method, bob.match_status) == (okx.pk, MatchMethod.MANUAL, MatchStatus.MATCHED)
    assert list(ExchangeAlias.objects.values_list("alias", "exchange__slug", "source")) == [
        ("Binance Wallet", "okx", "added by a rep")
    ]
    assert matcher_load().match(company="BINANCE WALLET").exchange_id == okx.pk


def test_marking_not_an_exchange_takes_the_person_off_the_queue_without_a_contact(queue, manager):
    _, _, bob, _ = queue

    attendee_mark_not_exchange(attendee=bob, user=manager)

    bob.refresh_from_db()
    assert (bob.exchange_id, bob.contact_id, bob.match_status) == (None, None, MatchStatus.NOT_AN_EXCHANGE)
    assert Contact.objects.count() == 0
    assert EvidenceChange.objects.count() == 0


def test_a_rep_cannot_match_people_to_an_exchange_they_may_not_see(queue):
    okx, _, bob, _ = queue
    rep = RepFactory(user=UserFactory(username="kenji"), territories=[jurisdiction("JP")])

    with pytest.raises(PermissionDenied):
        attendee_match_choose(attendee=bob, exchange=okx, user=rep.user)

    bob.refresh_from_db()
    assert (bob.match_status, bob.reviewed_at) == (MatchStatus.REVIEW, None)


def test_an_alias_already_taken_is_refused_naming_its_exchange(queue):
    okx, binance, _, _ = queue
    exchange_alias_add(exchange=okx, alias="OKEx")

    with pytest.raises(ValidationError) as refused:
        exchange_alias_add(exchange=binance, alias="ＯＫＥＸ Ltd")

    assert refused.value.message_dict == {"alias": ["'ＯＫＥＸ Ltd' is already an alias of OKX (as 'OKEx')."]}
    assert ExchangeAlias.objects.count() == 1
