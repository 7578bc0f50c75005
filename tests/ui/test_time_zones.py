"""Pages speak the rep's time: moments in their zone with its abbreviation (and the year when it is not this
year), 'due today' ending at their midnight, the activity form starting at their clock."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Rep
from intel.choices import MatchStatus
from intel.models import Attendee
from leads import pages
from leads.models import FollowUp

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def in_tokyo(team):
    Rep.objects.filter(user=team["japan"]).update(time_zone="Asia/Tokyo")


def follow_up_due(world, team, due_at, name="Due Person"):
    attendee = Attendee.objects.create(
        event=world["event"],
        full_name=name,
        company="Tokyo Exchange 0",
        dedupe_key=name.lower(),
        exchange=world["exchanges"][0],
        match_status=MatchStatus.MATCHED,
    )
    return FollowUp.objects.create(attendee=attendee, assignee=team["japan"], due_at=due_at)


def test_a_rep_s_time_zone_must_be_a_real_zone(team):
    rep = Rep.objects.get(user=team["japan"])
    assert rep.time_zone == "UTC"  # settings.TIME_ZONE

    rep.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError) as refused:
        rep.full_clean()

    assert refused.value.message_dict == {"time_zone": ["'Mars/Olympus' is not a time zone name (e.g. Asia/Tokyo)"]}


def test_today_shows_an_overdue_moment_in_tokyo_time_with_zone_and_year(japan_client, world, team):
    # given a rep in Tokyo with a follow-up due at 15:00 UTC on 27 Aug 2025 (midnight in Tokyo)
    in_tokyo(team)
    follow_up_due(world, team, datetime.datetime(2025, 8, 27, 15, 0, tzinfo=datetime.UTC))

    # when he opens Today
    body = japan_client.get("/").content.decode()

    # then the line it folds into says when in his time, with the zone, and the year since it is not this year
    assert "from WebX 2025, the oldest since 28 Aug 2025 00:00 JST" in body


def test_a_follow_up_due_soon_reads_in_the_rep_s_day(team, world):
    # given a follow-up due at 00:30 on 29 Aug in Tokyo (15:30 UTC on the 28th), seen at 23:30 in Tokyo
    follow_up = follow_up_due(world, team, datetime.datetime(2025, 8, 28, 15, 30, tzinfo=datetime.UTC))
    now = datetime.datetime(2025, 8, 28, 14, 30, tzinfo=datetime.UTC)

    # when Today is assembled in Tokyo, and in UTC
    with timezone.override(TOKYO):
        tokyo = pages.today_context(user=team["japan"], rep_username="", now=now)
    with timezone.override(datetime.UTC):
        utc = pages.today_context(user=team["japan"], rep_username="", now=now)

    # then both list it (it is due within 48 hours): tomorrow's first thing in Tokyo, this afternoon in UTC
    assert [(row["follow_up"].pk, row["due_label"]) for row in tokyo["follow_ups"]] == [
        (follow_up.pk, "Tomorrow 00:30")
    ]
    assert [(row["follow_up"].pk, row["due_label"]) for row in utc["follow_ups"]] == [(follow_up.pk, "Today 15:30")]


def test_the_activity_form_starts_at_the_rep_s_clock(japan_client, world, team):
    # given a rep in Tokyo
    in_tokyo(team)

    # when he opens an exchange page
    before = timezone.now().astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    response = japan_client.get("/exchanges/tokyo-0/")
    after = timezone.now().astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")

    # then "When" is pre-filled with the time in Tokyo
    assert response.context["activity_form"].initial["occurred_at"] in {before, after}
