"""A manager edits an event; changing its dates, time zone or SLA moves its follow-ups' due times."""

import datetime
import zoneinfo

import pytest

from intel.models import Event
from leads.forms import country_time_zone
from leads.models import FollowUp
from tests.crm.factories import jurisdiction

pytestmark = pytest.mark.django_db

EDIT = "/events/webx-2025/edit/"


def form_data(event: Event, **changes) -> dict:
    data = {
        "name": event.name,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "venue": event.venue,
        "city": event.city,
        "country": event.country_id,
        "timezone": event.timezone,
        "follow_up_sla_hours": event.follow_up_sla_hours,
    }
    data.update(changes)
    return data


def snapshot():
    event = Event.objects.get(slug="webx-2025")
    due = sorted(FollowUp.objects.filter(attendee__event=event).values_list("due_at", flat=True))
    return (event.name, event.starts_on, event.ends_on, event.timezone, event.follow_up_sla_hours, due)


def test_a_manager_moves_the_dates_and_the_sla_and_the_follow_ups_follow(manager_client, world):
    event = world["event"]

    response = manager_client.post(
        EDIT,
        form_data(
            event,
            name="WebX Tokyo 2025",
            starts_on="2025-08-25",
            ends_on="2025-08-26",
            timezone="Asia/Tokyo",
            follow_up_sla_hours=24,
            venue="The Prince Park Tower",
        ),
        follow=True,
    )

    assert response.redirect_chain == [("/events/webx-2025/", 302)]
    event.refresh_from_db()
    assert (event.name, event.ends_on, event.follow_up_sla_hours, event.venue) == (
        "WebX Tokyo 2025",
        datetime.date(2025, 8, 26),
        24,
        "The Prince Park Tower",
    )
    # midnight after the last day in Tokyo, plus 24 h: 28 Aug 00:00 JST, 27 Aug 15:00 UTC
    expected = datetime.datetime(2025, 8, 28, 0, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert set(FollowUp.objects.values_list("due_at", flat=True)) == {expected}
    assert "WebX Tokyo 2025 saved. 3 follow-ups moved to their new due times." in response.content.decode()


def test_a_blank_time_zone_takes_the_country_s(manager_client, world):
    event = world["event"]

    response = manager_client.post(EDIT, form_data(event, country=jurisdiction("SG").pk, timezone=""))

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.timezone == "Asia/Singapore"
    assert (country_time_zone("JP"), country_time_zone("sg"), country_time_zone("ZZ")) == (
        "Asia/Tokyo",
        "Asia/Singapore",
        "UTC",
    )


def test_a_time_zone_not_in_the_list_is_refused_and_nothing_changes(manager_client, world):
    before = snapshot()

    response = manager_client.post(EDIT, form_data(world["event"], timezone="Tokyo time"))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "timezone": ["Select a valid choice. Tokyo time is not one of the available choices."]
    }
    assert snapshot() == before


def test_an_end_before_the_start_is_refused_and_nothing_changes(manager_client, world):
    before = snapshot()
    event = world["event"]
    earlier = (event.starts_on - datetime.timedelta(days=1)).isoformat()

    response = manager_client.post(EDIT, form_data(event, ends_on=earlier))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "ends_on": [f"WebX 2025 cannot end ({earlier}) before it starts ({event.starts_on.isoformat()})."]
    }
    assert snapshot() == before


def test_a_rep_may_not_edit_an_event(japan_client, world):
    before = snapshot()

    assert japan_client.get(EDIT).status_code == 403
    assert japan_client.post(EDIT, form_data(world["event"], follow_up_sla_hours=1)).status_code == 403
    assert snapshot() == before
    assert 'href="/events/webx-2025/edit/"' not in japan_client.get("/events/webx-2025/").content.decode()


def test_the_event_page_links_the_edit_page_for_a_manager_and_the_form_lists_the_zones(manager_client, world):
    assert (
        'href="/events/webx-2025/edit/">Edit the event</a>' in manager_client.get("/events/webx-2025/").content.decode()
    )

    html = manager_client.get(EDIT).content.decode()

    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in html
    assert '<option value="America/Argentina/Buenos_Aires">America/Argentina/Buenos Aires</option>' in html
