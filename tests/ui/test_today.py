"""Today's follow-ups: those due in the next 48 hours first, best person first, then the recently overdue;
older overdue ones fold into one line per event with a link to its board."""

import datetime

import pytest
from django.utils import timezone

from intel.choices import MatchStatus
from intel.models import Attendee
from intel.services.review import attendee_mark_not_exchange, attendee_match_choose
from leads.models import FollowUp
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db


def due(event, exchange, assignee, name: str, *, hours: float, score: int = 0) -> FollowUp:
    attendee = Attendee.objects.create(
        event=event,
        full_name=name,
        company=exchange.name,
        dedupe_key=name.lower().replace(" ", "-"),
        exchange=exchange,
        match_status=MatchStatus.MATCHED,
    )
    return FollowUp.objects.create(
        attendee=attendee,
        event=attendee.event,
        assignee=assignee,
        due_at=timezone.now() + datetime.timedelta(hours=hours),
        person_score=score,
    )


@pytest.fixture
def morning(world, team):
    """Kenji's follow-ups: the world's three overdue by 1 to 3 hours, two due soon, one due in three
    days, and stale overdue ones: five at WebX 2025 and two at an older expo."""
    kenji, exchange = team["japan"], world["exchanges"][0]
    older = EventFactory(name="Old Expo 2024", slug="old-expo-2024", starts_on=datetime.date(2024, 5, 1))
    due(world["event"], exchange, kenji, "Soon Low", hours=10, score=40)
    due(world["event"], exchange, kenji, "Soon High", hours=30, score=90)
    due(world["event"], exchange, kenji, "Later On", hours=72, score=99)
    for index in range(5):
        due(world["event"], exchange, kenji, f"Stale {index}", hours=-(24 * 20 + index), score=80)
    for index in range(2):
        due(older, exchange, kenji, f"Ancient {index}", hours=-(24 * 400 + index), score=80)
    return older


def test_due_soon_comes_first_by_person_score_then_the_recently_overdue(japan_client, morning):
    response = japan_client.get("/")

    rows = response.context["follow_ups"]
    assert [row["follow_up"].attendee.full_name for row in rows] == [
        "Soon High",
        "Soon Low",
        "Met Person 2",
        "Met Person 1",
        "Met Person 0",
    ]
    assert [row["is_overdue"] for row in rows] == [False, False, True, True, True]
    assert response.context["follow_ups_total"] == 5
    assert "5 due: in the next 48 h first, best person first, then overdue." in response.content.decode()


def test_stale_overdue_fold_into_one_line_per_event_with_a_link_to_its_board(japan_client, morning):
    response = japan_client.get("/")

    stale = response.context["follow_ups_stale"]
    assert [(item["event"].name, item["count"], item["url"]) for item in stale] == [
        ("WebX 2025", 5, "/events/webx-2025/follow-ups/?mine=1&overdue=1"),
        ("Old Expo 2024", 2, "/events/old-expo-2024/follow-ups/?mine=1&overdue=1"),
    ]
    body = response.content.decode()
    assert "Stale 0" not in body and "Ancient 0" not in body
    assert '<span class="overdue-text">5 overdue</span> from WebX 2025, the oldest since' in body
    assert '<a href="/events/old-expo-2024/follow-ups/?mine=1&amp;overdue=1">open the board</a>' in body


def test_a_manager_looking_at_one_rep_is_sent_to_that_rep_s_overdue(manager_client, morning):
    stale = manager_client.get("/?rep=kenji").context["follow_ups_stale"]

    assert [item["url"] for item in stale] == [
        "/events/webx-2025/follow-ups/?assignee=kenji&overdue=1",
        "/events/old-expo-2024/follow-ups/?assignee=kenji&overdue=1",
    ]
    board = manager_client.get(stale[1]["url"])
    assert [row["follow_up"].attendee.full_name for row in board.context["rows"]] == ["Ancient 0", "Ancient 1"]


def test_nothing_due_and_nothing_stale_says_so(japan_client, world):
    FollowUp.objects.all().delete()

    body = japan_client.get("/").content.decode()

    assert "Nothing overdue or due in the next 48 hours." in body
    assert 'data-testid="follow-ups-stale"' not in body


def test_a_manager_s_fold_leaves_out_a_worked_follow_up_whose_person_a_review_untied_until_tied_again(
    manager_client, team, world, morning
):
    # given one of Kenji's follow-ups from the old expo (every step of its cadence long past) already
    # worked: contacted, an email still to send
    worked = FollowUp.objects.get(attendee__full_name="Ancient 0")
    FollowUp.objects.filter(pk=worked.pk).update(status="contacted", next_step="email")

    def manager_folds():
        return [(item["event"].name, item["count"]) for item in manager_client.get("/").context["follow_ups_stale"]]

    assert manager_folds() == [("WebX 2025", 5), ("Old Expo 2024", 2)]

    # when the review says the person does not work for an exchange
    attendee_mark_not_exchange(attendee=Attendee.objects.get(pk=worked.attendee_id), user=team["manager"])

    # then the follow-up is kept (it was worked) but says its person has no exchange: the manager's fold
    # no longer counts it, while Kenji, who holds it, still sees it
    worked.refresh_from_db()
    assert (worked.status, worked.has_exchange) == ("contacted", False)
    assert manager_folds() == [("WebX 2025", 5), ("Old Expo 2024", 1)]
    assert not FollowUp.objects.visible_to(team["manager"]).filter(pk=worked.pk).exists()
    assert FollowUp.objects.visible_to(team["japan"]).filter(pk=worked.pk).exists()

    # when the person is tied to the exchange again
    attendee_match_choose(
        attendee=Attendee.objects.get(pk=worked.attendee_id), exchange=world["exchanges"][0], user=team["manager"]
    )

    # then the manager counts them again
    worked.refresh_from_db()
    assert worked.has_exchange is True
    assert manager_folds() == [("WebX 2025", 5), ("Old Expo 2024", 2)]
