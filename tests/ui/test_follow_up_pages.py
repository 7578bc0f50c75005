"""The follow-up board and Today's follow-ups: who may change what, links only to pages the viewer can open,
and how many are due."""

import datetime

import pytest
from django.utils import timezone

from crm.models import Presence
from intel.choices import MatchStatus
from intel.models import Attendee
from leads.models import FollowUp
from tests.crm.factories import ExchangeFactory, jurisdiction

pytestmark = pytest.mark.django_db


def shared_exchange_follow_up(team, world, *, owner=None):
    """A follow-up of kenji's at an exchange both reps can see (Japan headquarters, a Singapore presence)."""
    exchange = ExchangeFactory(name="Shared Exchange", slug="shared", headquarters=jurisdiction("JP"), owner=owner)
    Presence.objects.create(exchange=exchange, jurisdiction=jurisdiction("SG"), licence_status="licensed")
    attendee = Attendee.objects.create(
        event=world["event"],
        full_name="Shared Person",
        company="Shared Exchange",
        dedupe_key="shared",
        exchange=exchange,
        match_status=MatchStatus.MATCHED,
    )
    return FollowUp.objects.create(
        attendee=attendee,
        event=attendee.event,
        assignee=team["japan"],
        assignment_method="territory",
        due_at=timezone.now(),
    )


def test_a_rep_cannot_change_a_colleague_s_follow_up_status(client, world, team):
    # given kenji's follow-up at an exchange priya can also see
    follow_up = shared_exchange_follow_up(team, world)
    client.force_login(team["singapore"])

    # when priya tries to mark it contacted
    response = client.post(f"/events/webx-2025/follow-ups/{follow_up.pk}/status/", {"status": "contacted"})

    # then she is refused and nothing changed
    assert response.status_code == 403
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.status_changed_by) == ("to_do", None)


def test_the_account_owner_may_move_a_colleague_s_follow_up(client, world, team):
    # given kenji's follow-up at an exchange priya owns
    follow_up = shared_exchange_follow_up(team, world, owner=team["singapore"])
    client.force_login(team["singapore"])

    # when priya marks it contacted
    response = client.post(f"/events/webx-2025/follow-ups/{follow_up.pk}/status/", {"status": "contacted"})

    # then it is
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.status_changed_by) == ("contacted", team["singapore"])


def test_a_rep_cannot_assign_follow_ups(client, world, team):
    # given kenji's follow-up at an exchange priya can see
    follow_up = shared_exchange_follow_up(team, world)
    before = list(FollowUp.objects.order_by("pk").values_list("assignee__username", "assignment_method"))

    for who in ("singapore", "japan"):
        # when a rep tries to take it (or hand their own out)
        client.force_login(team[who])
        response = client.post(
            "/events/webx-2025/follow-ups/assign/", {"follow_ups": [follow_up.pk], "assignee": "priya"}
        )

        # then they are refused and no assignment changed
        assert response.status_code == 403
        assert list(FollowUp.objects.order_by("pk").values_list("assignee__username", "assignment_method")) == before


def test_the_board_offers_assignment_to_managers_and_status_only_where_the_viewer_may_change_it(client, world, team):
    # given three of kenji's follow-ups and one more of his at an exchange priya can see
    follow_up = shared_exchange_follow_up(team, world)

    # when priya opens the board
    client.force_login(team["singapore"])
    body = client.get("/events/webx-2025/follow-ups/").content.decode()

    # then she sees the shared person but may neither assign nor change the status
    assert 'id="bulk-assign"' not in body
    assert f'id="status-{follow_up.pk}"' not in body
    assert "Shared Person" in body

    # and kenji may change his status but not assign; the manager may do both
    client.force_login(team["japan"])
    body = client.get("/events/webx-2025/follow-ups/").content.decode()
    assert ('id="bulk-assign"' in body, f'id="status-{follow_up.pk}"' in body) == (False, True)
    client.force_login(team["manager"])
    body = client.get("/events/webx-2025/follow-ups/").content.decode()
    assert ('id="bulk-assign"' in body, f'id="status-{follow_up.pk}"' in body) == (True, True)


def test_a_follow_up_outside_the_reps_accounts_opens_its_exchange_read_only(japan_client, world, team):
    # given a follow-up a manager gave kenji at a Brazilian exchange outside his accounts
    brazil = ExchangeFactory(name="Paulista Exchange", slug="paulista", headquarters=jurisdiction("BR"))
    attendee = Attendee.objects.create(
        event=world["event"],
        full_name="Bruno",
        company="Paulista",
        dedupe_key="bruno",
        exchange=brazil,
        match_status=MatchStatus.MATCHED,
    )
    FollowUp.objects.create(
        attendee=attendee,
        event=attendee.event,
        assignee=team["japan"],
        assignment_method="manual",
        due_at=timezone.now() - datetime.timedelta(hours=30),
    )

    # when kenji opens Today and the board
    today = japan_client.get("/").content.decode()
    board = japan_client.get("/events/webx-2025/follow-ups/").content.decode()

    # then both link the exchange, whose page opens read-only and says it belongs to another territory
    for body in (today, board):
        assert 'href="/exchanges/paulista/"' in body
        assert 'href="/exchanges/tokyo-0/"' in body
    page = japan_client.get("/exchanges/paulista/")
    assert page.status_code == 200
    assert page.context["can_edit"] is False
    assert (
        "Paulista Exchange belongs to another territory: you see it read-only because you hold the follow-up of "
        "Bruno (WebX 2025)." in " ".join(page.content.decode().split())
    )
    assert "Log an activity" not in page.content.decode()
    # and a change there is refused, writing nothing
    refused = japan_client.post("/exchanges/paulista/activities/", {"kind": "call", "summary": "Hi"})
    assert refused.status_code == 403
    assert brazil.activities.count() == 0


def test_an_exchange_another_reps_follow_up_names_stays_closed(client, world, team):
    # given the Brazilian exchange and a follow-up there held by kenji
    brazil = ExchangeFactory(name="Paulista Exchange", slug="paulista", headquarters=jurisdiction("BR"))
    attendee = Attendee.objects.create(
        event=world["event"], full_name="Bruno", dedupe_key="bruno", exchange=brazil, match_status=MatchStatus.MATCHED
    )
    FollowUp.objects.create(attendee=attendee, event=attendee.event, assignee=team["japan"], due_at=timezone.now())

    # when priya (Singapore, no follow-up there) opens it
    client.force_login(team["singapore"])

    # then it does not exist for her
    assert client.get("/exchanges/paulista/").status_code == 404


def test_today_says_how_many_follow_ups_are_due_and_links_to_all_of_them(japan_client, world, team):
    # given 52 overdue follow-ups of kenji's (3 from the world, 49 more)
    exchange = world["exchanges"][0]
    for index in range(49):
        attendee = Attendee.objects.create(
            event=world["event"],
            full_name=f"Extra {index:02d}",
            company=exchange.name,
            dedupe_key=f"extra-{index}",
            exchange=exchange,
            match_status=MatchStatus.MATCHED,
        )
        FollowUp.objects.create(
            attendee=attendee,
            event=attendee.event,
            assignee=team["japan"],
            due_at=timezone.now() - datetime.timedelta(days=1),
        )

    # when kenji opens Today
    response = japan_client.get("/")

    # then it lists 50, says 50 of 52, and links to his overdue follow-ups on the event's board
    body = response.content.decode()
    assert len(response.context["follow_ups"]) == 50
    assert response.context["follow_ups_total"] == 52
    assert "The first 50 of 52: due in the next 48 h first, best person first, then overdue." in body
    assert '<a href="/events/webx-2025/follow-ups/?mine=1&amp;overdue=1">All my overdue at WebX 2025</a>' in body
    board = japan_client.get("/events/webx-2025/follow-ups/?mine=1&overdue=1")
    assert board.context["page"].paginator.count == 52


def test_a_manager_s_bulk_assignment_is_announced_to_webhook_subscribers(client, world, team):
    # given a sales tool subscribed to follow_up.assigned, and kenji's follow-up at a shared exchange
    from leads.models import WebhookDelivery, WebhookSubscription

    subscription = WebhookSubscription.objects.create(
        owner=team["manager"],
        name="Dialer",
        target_url="https://hooks.example.test/in",
        secret="s" * 32,
        events=["follow_up.assigned"],
    )
    follow_up = shared_exchange_follow_up(team, world)
    client.force_login(team["manager"])

    # when the manager hands it to priya on the board
    response = client.post("/events/webx-2025/follow-ups/assign/", {"follow_ups": [follow_up.pk], "assignee": "priya"})

    # then the assignment is made and announced once, with who, whom and when it is due
    assert response.status_code == 302
    assert list(WebhookDelivery.objects.values_list("subscription", "event", "payload")) == [
        (
            subscription.pk,
            "follow_up.assigned",
            {
                "follow_up": follow_up.pk,
                "assignee": "priya",
                "full_name": "Shared Person",
                "exchange": "shared",
                "due_at": follow_up.due_at.isoformat(),
            },
        )
    ]
