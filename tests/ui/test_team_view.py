"""The manager's team view: follow-ups by status and rep, overdue per rep and the SLA hit rate, for an
event and for the last 30 days."""

import datetime

import pytest
from django.utils import timezone

from intel.choices import MatchStatus
from intel.models import Attendee
from leads.choices import FollowUpStatus
from leads.models import FollowUp
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def progress_world(world, team):
    """The world's three follow-ups of kenji's (overdue by 1-3 h): Met Person 0 contacted in time, Met
    Person 1 contacted late; Met Person 2 still to do. Priya has one due tomorrow and one contacted in
    time at an old event (due 90 days ago, outside the last 30 days)."""
    now = timezone.now()
    met = {f.attendee.full_name: f for f in FollowUp.objects.select_related("attendee")}
    f0, f1 = met["Met Person 0"], met["Met Person 1"]
    FollowUp.objects.filter(pk=f0.pk).update(status=FollowUpStatus.CONTACTED, status_changed_at=f0.due_at)
    FollowUp.objects.filter(pk=f1.pk).update(
        status=FollowUpStatus.MEETING_BOOKED, status_changed_at=f1.due_at + datetime.timedelta(minutes=1)
    )
    exchange = world["exchanges"][0]
    old = EventFactory(name="Old Expo", slug="old-expo", starts_on=datetime.date(2025, 1, 1))
    for event, name, due_at, status in (
        (world["event"], "Priya Soon", now + datetime.timedelta(days=1), FollowUpStatus.TO_DO),
        (old, "Priya Old", now - datetime.timedelta(days=90), FollowUpStatus.CONTACTED),
    ):
        attendee = Attendee.objects.create(
            event=event,
            full_name=name,
            company=exchange.name,
            dedupe_key=name,
            exchange=exchange,
            match_status=MatchStatus.MATCHED,
        )
        FollowUp.objects.create(
            attendee=attendee,
            event=attendee.event,
            assignee=team["singapore"],
            due_at=due_at,
            status=status,
            status_changed_at=due_at - datetime.timedelta(hours=1) if status != FollowUpStatus.TO_DO else None,
        )
    return old


def rep_rows(response):
    return [
        (r["rep"].username, [count for _label, count in r["counts"]], r["rep"].overdue, r["rep"].sla_hit_percent)
        for r in response.context["rows"]
    ]


def test_an_event_s_team_view_counts_status_by_rep_overdue_and_the_sla(manager_client, progress_world):
    response = manager_client.get("/team/", {"event": "webx-2025"})

    assert response.status_code == 200
    # columns: to do, contacted, meeting booked, not a fit
    assert rep_rows(response) == [("kenji", [1, 1, 1, 0], 1, 33), ("priya", [1, 0, 0, 0], 0, None)]
    progress = response.context["progress"]
    assert (progress.total, progress.overdue, progress.sla_met, progress.sla_counted, progress.sla_hit_percent) == (
        4,
        1,
        1,
        3,
        33,
    )
    body = response.content.decode()
    assert '<span class="overdue-text">1 overdue</span> · SLA met 33% (1 of 3)' in body
    assert '<td class="num" data-label="SLA met">33% (1/3)</td>' in body


def test_the_last_30_days_leave_out_older_follow_ups(manager_client, progress_world):
    response = manager_client.get("/team/")

    assert response.context["event"] is None
    assert rep_rows(response) == [("kenji", [1, 1, 1, 0], 1, 33), ("priya", [1, 0, 0, 0], 0, None)]
    old = manager_client.get("/team/", {"event": "old-expo"})
    assert rep_rows(old) == [("priya", [0, 1, 0, 0], 0, 100)]


def test_only_a_manager_sees_the_team_view_and_its_links(client, team, progress_world):
    client.force_login(team["japan"])
    assert client.get("/team/").status_code == 403
    assert 'href="/team/"' not in client.get("/").content.decode()

    client.force_login(team["manager"])
    assert '<a href="/team/">Team</a>' in client.get("/").content.decode()
    assert 'href="/team/?event=webx-2025">Team view</a>' in client.get("/events/webx-2025/").content.decode()
