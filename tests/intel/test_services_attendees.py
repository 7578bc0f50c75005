"""Importing badge scans into an event: preview, all or nothing, keep valid rows, re-imports,
contacts, and a query count that does not grow with the file."""

import datetime

import pytest

from crm.models import Contact, EvidenceChange
from intel.choices import MatchMethod, MatchStatus
from intel.models import Attendee, AttendeeImport
from intel.parsing import FileError
from intel.services import attendee_import, attendee_import_preview, attendee_match_choose, exchange_alias_add
from tests.crm.factories import ContactFactory, ExchangeFactory, UserFactory
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db

HEADER = "氏名,会社名,役職,Email,Scanned at\n"
GOOD = (
    HEADER + "山田 太郎,OKX Japan,CTO,taro@okx.com,2025-08-25 10:30\n"
    "Alice Chen,欧易,,alice@gmail.com,\n"
    "Bob Lee,Binance Wallet,VP,,\n"
    "佐藤 花子,ソニー株式会社,,hanako@sony.co.jp,\n"
)
WITH_BAD_ROWS = GOOD + ",OKX,,nobody@okx.com,\nKen,OKX,,ken(at)okx.com,\n"


@pytest.fixture
def exchanges():
    okx = ExchangeFactory(name="OKX", slug="okx", website="https://www.okx.com")
    binance = ExchangeFactory(name="Binance", slug="binance", website="https://www.binance.com")
    exchange_alias_add(exchange=okx, alias="欧易")
    EvidenceChange.objects.all().delete()
    return okx, binance


@pytest.fixture
def event():
    return EventFactory()


def attendees(event):
    return list(
        Attendee.objects.filter(event=event)
        .order_by("full_name")
        .values_list("full_name", "exchange__slug", "match_method", "match_confidence", "match_status")
    )


def test_preview_shows_the_mapping_and_the_rows_to_reject_and_writes_nothing(exchanges, event):
    preview = attendee_import_preview(event=event, data=WITH_BAD_ROWS.encode("cp932"))

    assert preview.encoding == "cp932"
    assert preview.mapping == {
        "氏名": "full_name",
        "会社名": "company",
        "役職": "title",
        "Email": "email",
        "Scanned at": "scanned_at",
    }
    assert (preview.rows_read, preview.valid_rows, preview.new_people) == (6, 4, 4)
    assert [str(problem) for problem in preview.problems] == [
        "line 6, column '氏名': the name is empty",
        "line 7, column 'Email': 'ken(at)okx.com' is not an email address",
    ]
    assert Attendee.objects.count() == 0
    assert AttendeeImport.objects.count() == 0


def test_a_file_with_a_bad_row_writes_nothing_by_default(exchanges, event):
    outcome = attendee_import(event=event, data=WITH_BAD_ROWS.encode())

    assert outcome.is_committed is False
    assert outcome.rejected == 2
    assert outcome.rejected_report.decode("utf-8-sig").splitlines()[1:] == [
        "6,\"line 6, column '氏名': the name is empty\",,OKX,,nobody@okx.com,",
        "7,\"line 7, column 'Email': 'ken(at)okx.com' is not an email address\",Ken,OKX,,ken(at)okx.com,",
    ]
    assert Attendee.objects.count() == 0
    assert Contact.objects.count() == 0
    assert AttendeeImport.objects.count() == 0
    assert EvidenceChange.objects.count() == 0


def test_keep_valid_writes_the_valid_rows_matches_them_and_returns_the_rejected_ones(exchanges, event):
    okx, _ = exchanges

    outcome = attendee_import(event=event, data=WITH_BAD_ROWS.encode(), filename="webx.csv", keep_valid=True)

    assert outcome.is_committed is True
    assert (outcome.created, outcome.rejected, outcome.matched, outcome.review, outcome.unmatched) == (4, 2, 2, 1, 1)
    assert attendees(event) == [
        ("Alice Chen", "okx", MatchMethod.ALIAS, 95, MatchStatus.MATCHED),
        ("Bob Lee", "binance", MatchMethod.FUZZY_NAME, 80, MatchStatus.REVIEW),
        ("佐藤 花子", None, MatchMethod.NONE, 0, MatchStatus.UNMATCHED),
        ("山田 太郎", "okx", MatchMethod.EMAIL_DOMAIN, 95, MatchStatus.MATCHED),
    ]
    taro = Attendee.objects.get(email="taro@okx.com")
    assert taro.scanned_at == datetime.datetime(2025, 8, 25, 1, 30, tzinfo=datetime.UTC)  # 10:30 in Tokyo
    assert taro.match_candidates == [{"exchange_id": okx.pk, "name": "OKX", "confidence": 95}]
    # Both OKX people have an email: each becomes a contact at OKX.
    assert sorted(Contact.objects.values_list("exchange__slug", "email", "full_name", "native_name")) == [
        ("okx", "alice@gmail.com", "Alice Chen", ""),
        ("okx", "taro@okx.com", "山田 太郎", "山田 太郎"),
    ]
    batch = AttendeeImport.objects.get()
    assert (batch.filename, batch.rows_read, batch.created_count, batch.rejected_count, batch.review_count) == (
        "webx.csv",
        6,
        4,
        2,
        1,
    )
    assert batch.rejected_report.splitlines()[0] == "line,reason,氏名,会社名,役職,Email,Scanned at"
    assert list(EvidenceChange.objects.values_list("exchange__slug", "cause", "reference")) == [
        ("okx", "attendee", f"attendee_import:{batch.pk}")
    ]


def test_importing_the_same_file_again_duplicates_no_one(exchanges, event):
    attendee_import(event=event, data=GOOD.encode())
    before = attendees(event)

    again = attendee_import(event=event, data=GOOD.encode())

    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert attendees(event) == before
    assert Contact.objects.count() == 2


def test_an_overlapping_file_updates_known_people_and_adds_new_ones(exchanges, event):
    attendee_import(event=event, data=GOOD.encode())
    ContactFactory(exchange=exchanges[1], full_name="Mei", email="mei@binance.com", title="")

    overlap = attendee_import(
        event=event,
        data=(
            HEADER + "Taro Yamada,OKX,Chief Technology Officer,TARO@okx.com,\n"
            "Mei Lin,Binance,Head of Infra,mei@binance.com,\n"
        ).encode("cp932"),
    )

    assert (overlap.created, overlap.updated, overlap.unchanged, overlap.contacts_created) == (1, 1, 0, 0)
    assert Attendee.objects.filter(event=event).count() == 5
    taro = Attendee.objects.get(email="taro@okx.com")
    assert (taro.full_name, taro.title) == ("Taro Yamada", "Chief Technology Officer")
    assert sorted(Contact.objects.values_list("email", "title")) == [
        ("alice@gmail.com", ""),
        ("mei@binance.com", "Head of Infra"),
        ("taro@okx.com", "CTO"),
    ]


def test_a_reps_review_decision_survives_a_re_import(exchanges, event):
    okx, _ = exchanges
    attendee_import(event=event, data=GOOD.encode())
    bob = Attendee.objects.get(full_name="Bob Lee")
    attendee_match_choose(attendee=bob, exchange=okx, user=UserFactory(username="manager", is_superuser=True))

    attendee_import(event=event, data=GOOD.encode())

    bob.refresh_from_db()
    assert (bob.exchange_id, bob.match_method, bob.match_status) == (okx.pk, MatchMethod.MANUAL, MatchStatus.MATCHED)


def test_an_unreadable_file_is_refused_as_a_whole(event):
    with pytest.raises(FileError):
        attendee_import(event=event, data=b"Company\nOKX\n", keep_valid=True)

    assert Attendee.objects.count() == 0


def rows(count: int) -> bytes:
    lines = [f"Person {n},OKX,,person{n}@okx.com,\n" for n in range(count)]
    return (HEADER + "".join(lines)).encode()


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(postgresql, exchanges, django_assert_num_queries):
    small, large = EventFactory(slug="small"), EventFactory(slug="large")

    # 12 for the import, 1 for the companies set aside as not an exchange, 14 for the follow-up list
    # the import brings up to date (leads.services.event_people.follow_ups_update: 1 to keep each
    # follow-up's has_exchange in line with its person, 13 for the list).
    with django_assert_num_queries(27):
        attendee_import(event=small, data=rows(10))
    with django_assert_num_queries(27):
        attendee_import(event=large, data=rows(50))

    assert (Attendee.objects.filter(event=small).count(), Attendee.objects.filter(event=large).count()) == (10, 50)


# ---------------------------------------------------------------- a rep's import and the accounts of others

TERRITORY_FILE = (
    "name,company,email\n"
    "Aiko Mori,bitFlyer,aiko@bitflyer.example\n"
    "Ola Nordmann,OKX,ola@okx.example\n"
    "Ben Kraus,Kraken,ben@kraken.example\n"
)


@pytest.fixture
def territories():
    """Rep A (Japan) owns bitFlyer; rep B owns OKX (Seychelles, invisible to A); Kraken (US) is nobody's."""
    from crm.choices import RepRole
    from tests.crm.factories import RepFactory, jurisdiction

    rep_a = RepFactory(user__username="rep.a", territories=[jurisdiction("JP")]).user
    rep_b = RepFactory(user__username="rep.b", territories=[jurisdiction("SC")]).user
    manager = RepFactory(user__username="boss", role=RepRole.MANAGER).user
    bitflyer = ExchangeFactory(name="bitFlyer", slug="bitflyer", headquarters=jurisdiction("JP"), owner=rep_a)
    okx = ExchangeFactory(name="OKX", slug="okx", headquarters=jurisdiction("SC"), owner=rep_b)
    kraken = ExchangeFactory(name="Kraken", slug="kraken", headquarters=jurisdiction("US"))
    EvidenceChange.objects.all().delete()
    return {"a": rep_a, "b": rep_b, "manager": manager, "bitflyer": bitflyer, "okx": okx, "kraken": kraken}


def test_a_reps_import_creates_contacts_only_on_their_accounts_and_passes_the_others_to_their_owners(
    territories, event
):
    outcome = attendee_import(event=event, data=TERRITORY_FILE.encode(), imported_by=territories["a"])

    # every person is on the event's list; only bitFlyer's gets a contact and is matched
    assert attendees(event) == [
        ("Aiko Mori", "bitflyer", "fuzzy_name", 100, "matched"),
        ("Ben Kraus", "kraken", "fuzzy_name", 100, "review"),
        ("Ola Nordmann", "okx", "fuzzy_name", 100, "review"),
    ]
    assert list(Contact.objects.values_list("exchange__slug", "email")) == [("bitflyer", "aiko@bitflyer.example")]
    # the answer counts the others without naming them or their match
    assert (outcome.created, outcome.matched, outcome.review, outcome.passed_to_owners) == (1, 1, 0, 2)
    assert outcome.contacts_created == 1
    assert outcome.summary() == (
        "1 person added, 0 updated, 1 matched, 0 to review, 0 rejected; "
        "2 people at accounts you do not own, passed to their owners."
    )
    # and only the uploader's account is rescored
    assert set(EvidenceChange.objects.values_list("exchange_id", flat=True)) == {territories["bitflyer"].pk}


def test_the_passed_person_waits_for_the_owner_who_confirms_and_gets_the_contact(territories, event):
    from intel.services import attendee_match_confirm

    attendee_import(event=event, data=TERRITORY_FILE.encode(), imported_by=territories["a"])
    ola = Attendee.objects.get(full_name="Ola Nordmann")

    attendee_match_confirm(attendee=ola, user=territories["b"])

    ola.refresh_from_db()
    assert (ola.match_status, ola.contact.exchange.slug, ola.contact.email) == ("matched", "okx", "ola@okx.example")


def test_a_managers_import_matches_everyone_and_passes_nobody(territories, event):
    outcome = attendee_import(event=event, data=TERRITORY_FILE.encode(), imported_by=territories["manager"])

    assert (outcome.created, outcome.matched, outcome.passed_to_owners, outcome.contacts_created) == (3, 3, 0, 3)


def test_a_reps_re_import_leaves_the_owners_contact_alone(territories, event):
    owner_file = "name,company,email\nOla Nordmann,OKX,ola@okx.example\n"
    attendee_import(event=event, data=owner_file.encode(), imported_by=territories["b"])
    contact = Contact.objects.get(email="ola@okx.example")
    EvidenceChange.objects.all().delete()

    richer = "name,company,email,title,phone\nOla Nordmann,OKX,ola@okx.example,CTO,+47 1234\n"
    outcome = attendee_import(event=event, data=richer.encode(), imported_by=territories["a"])

    contact.refresh_from_db()
    assert (contact.title, contact.phone) == ("", "")
    assert (outcome.updated, outcome.matched, outcome.passed_to_owners) == (0, 0, 1)
    assert Attendee.objects.get(full_name="Ola Nordmann").match_status == "matched"
    assert EvidenceChange.objects.count() == 0


def test_the_preview_counts_as_known_only_the_people_the_uploader_may_see(territories, event):
    attendee_import(event=event, data=TERRITORY_FILE.encode(), imported_by=territories["manager"])

    seen_by_a = attendee_import_preview(event=event, data=TERRITORY_FILE.encode(), user=territories["a"])
    seen_by_manager = attendee_import_preview(event=event, data=TERRITORY_FILE.encode(), user=territories["manager"])

    assert (seen_by_a.known_people, seen_by_a.new_people) == (1, 2)
    assert (seen_by_manager.known_people, seen_by_manager.new_people) == (3, 0)
