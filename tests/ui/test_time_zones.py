"""Pages speak the rep's time: moments in their zone with its abbreviation (and the year when it is not this
year), 'due today' ending at their midnight, the activity form starting at their clock."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Exchange, Rep
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
    return FollowUp.objects.create(attendee=attendee, event=attendee.event, assignee=team["japan"], due_at=due_at)


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
    Exchange.objects.filter(slug="tokyo-0").update(owner=team["japan"])

    # when he opens an exchange page (his account: he may log an activity there)
    before = timezone.now().astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    response = japan_client.get("/exchanges/tokyo-0/")
    after = timezone.now().astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")

    # then "When" is pre-filled with the time in Tokyo
    assert response.context["activity_form"].initial["occurred_at"] in {before, after}


def test_an_event_s_time_zone_is_picked_from_the_iana_list_and_a_typo_is_refused_naming_the_zone(manager_client):
    from intel.models import Event

    form = manager_client.get("/events/new/").content.decode()
    before = Event.objects.count()
    typo = {
        "name": "Token2049",
        "city": "Singapore",
        "country": jurisdiction_pk("SG"),
        "starts_on": "2025-10-01",
        "ends_on": "2025-10-02",
        "timezone": "Asia/Tokio",
        "follow_up_sla_hours": 48,
    }

    refused = manager_client.post("/events/new/", typo)

    assert '<select name="timezone" aria-describedby="id_timezone_helptext" id="id_timezone">' in form
    assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in form
    assert '<option value="America/Los_Angeles">America/Los Angeles</option>' in form
    assert "&#x27;Asia/Tokio&#x27; is not a time zone name (did you mean Asia/Tokyo?)" in refused.content.decode()
    assert Event.objects.count() == before


def jurisdiction_pk(code: str) -> int:
    from tests.crm.factories import jurisdiction

    return jurisdiction(code).pk


def test_an_event_saved_with_a_zone_name_from_before_validation_still_gets_its_follow_ups_due(world):
    from leads.cadences import plan_steps, schedule
    from leads.services import follow_ups_create_for_event
    from leads.services.cadences import event_plan

    event = world["event"]
    type(event).objects.filter(pk=event.pk).update(timezone="Asia/Tokio")
    event.refresh_from_db()

    follow_ups = follow_ups_create_for_event(event=event)

    # Each is due at its cadence's first step, counted from the event's end read as UTC.
    plan = event_plan(event)
    expected = {
        f.pk: schedule(
            plan_steps(plan, f.cadence_grade), step_index=0, ends_at=event.ends_at, sla_hours=event.follow_up_sla_hours
        ).due_at
        for f in follow_ups
    }
    assert follow_ups
    assert {f.pk: f.due_at for f in follow_ups} == expected
    assert event.ends_at.tzinfo == datetime.UTC
