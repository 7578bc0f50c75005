"""Logging an activity on the exchange page: what the server answers the "Log it" form with.

Calls, emails and notes have happened by the time they are logged; a meeting may be planned ahead. The
day is the rep's own (their saved time zone)."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from crm.models import Activity, Rep

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture
def tokyo_rep(team, world):
    """Kenji in Tokyo, owning the Tokyo accounts (a rep logs activities only on what they own)."""
    Rep.objects.filter(user=team["japan"]).update(time_zone="Asia/Tokyo")
    for exchange in world["exchanges"]:
        exchange.owner = team["japan"]
        exchange.save(update_fields=["owner"])
    return team["japan"]


def _tokyo_today() -> datetime.date:
    return timezone.now().astimezone(TOKYO).date()


def _log(client, slug: str, **fields):
    return client.post(f"/exchanges/{slug}/activities/", fields)


@pytest.mark.parametrize(("kind", "label"), [("call", "call"), ("email", "email"), ("note", "note")])
def test_a_call_email_or_note_dated_tomorrow_in_the_rep_s_zone_is_refused_and_the_text_kept(
    japan_client, world, tokyo_rep, kind, label
):
    exchange = world["exchanges"][0]
    before = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
    today = _tokyo_today()
    tomorrow = today + datetime.timedelta(days=1)

    response = _log(
        japan_client,
        exchange.slug,
        kind=kind,
        occurred_at=f"{tomorrow:%Y-%m-%d}T09:30",
        summary="Talked pricing with the CTO",
        details="Wants a quote by Friday",
    )

    assert response.status_code == 400
    assert list(Activity.objects.order_by("pk").values_list("pk", flat=True)) == before
    form = response.context["activity_form"]
    assert form.errors == {
        "occurred_at": [
            f"A {label} is logged once it has happened: choose {today.day} {today:%B %Y} (Asia/Tokyo) or "
            "earlier. Only a meeting may be planned ahead."
        ]
    }
    html = response.content.decode()
    assert 'value="Talked pricing with the CTO"' in html
    assert "Wants a quote by Friday</textarea>" in html
    assert "Not saved: see the fields above; your text is kept." in html


def test_a_call_dated_today_in_the_rep_s_zone_is_logged_at_that_local_time(japan_client, world, tokyo_rep):
    exchange = world["exchanges"][0]
    today = _tokyo_today()

    response = _log(
        japan_client, exchange.slug, kind="call", occurred_at=f"{today:%Y-%m-%d}T00:05", summary="Early call"
    )

    assert response.status_code == 302
    assert response["Location"] == f"/exchanges/{exchange.slug}/#timeline"
    activity = Activity.objects.get(summary="Early call")
    assert activity.occurred_at == datetime.datetime.combine(today, datetime.time(0, 5), tzinfo=TOKYO)
    assert activity.rep == tokyo_rep


def test_a_meeting_may_be_planned_ahead(japan_client, world, tokyo_rep):
    exchange = world["exchanges"][0]
    next_month = _tokyo_today() + datetime.timedelta(days=30)

    response = _log(
        japan_client, exchange.slug, kind="meeting", occurred_at=f"{next_month:%Y-%m-%d}T15:00", summary="Demo"
    )

    assert response.status_code == 302
    assert Activity.objects.get(summary="Demo").occurred_at == datetime.datetime.combine(
        next_month, datetime.time(15, 0), tzinfo=TOKYO
    )


def test_a_call_in_2031_is_refused_through_the_api_too(world, tokyo_rep):
    """The rule lives on the activity itself, so every way of logging one follows it."""
    from django.core.exceptions import ValidationError

    from crm.services import activity_save

    exchange = world["exchanges"][0]
    count = Activity.objects.count()
    activity = Activity(
        exchange=exchange,
        rep=tokyo_rep,
        kind="call",
        occurred_at=datetime.datetime(2031, 5, 1, 10, 0, tzinfo=datetime.UTC),
        summary="From the future",
    )

    with pytest.raises(ValidationError) as refused:
        activity_save(activity=activity)

    assert list(refused.value.message_dict) == ["occurred_at"]
    assert Activity.objects.count() == count


def test_the_log_form_tells_the_script_where_the_login_page_is(japan_client, world, tokyo_rep):
    html = japan_client.get(f"/exchanges/{world['exchanges'][0].slug}/").content.decode()

    assert 'id="log-form"' in html
    assert 'data-login-url="/login/"' in html


def test_an_expired_session_is_sent_to_the_login_page_and_nothing_is_written(client, world):
    exchange = world["exchanges"][0]
    count = Activity.objects.count()

    response = _log(client, exchange.slug, kind="call", occurred_at="2026-01-05T10:00", summary="Lost?")

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/exchanges/{exchange.slug}/activities/"
    assert Activity.objects.count() == count
