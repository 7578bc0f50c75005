"""The follow-up board's filters (status, assignee, grade, due) and a status save that comes back to the
same page of the same filter, at the row saved."""

import datetime

import pytest
from django.utils import timezone

from intel.choices import MatchStatus
from intel.models import Attendee
from leads.choices import FollowUpStatus
from leads.models import FollowUp, Score
from leads.views.follow_ups import BOARD_PAGE_SIZE
from tests.crm.factories import ExchangeFactory, jurisdiction

pytestmark = pytest.mark.django_db

BOARD = "/events/webx-2025/follow-ups/"


def names(response) -> list[str]:
    return [row["follow_up"].attendee.full_name for row in response.context["rows"]]


def test_filters_by_status_assignee_grade_and_due(client, world, team):
    met = {f.attendee.full_name: f for f in FollowUp.objects.select_related("attendee")}
    FollowUp.objects.filter(pk=met["Met Person 1"].pk).update(status=FollowUpStatus.CONTACTED)
    FollowUp.objects.filter(pk=met["Met Person 2"].pk).update(
        assignee=team["singapore"], due_at=timezone.now() + datetime.timedelta(hours=30)
    )
    Score.objects.filter(exchange__slug="tokyo-0").update(grade="A")
    Score.objects.exclude(exchange__slug="tokyo-0").update(grade="C")
    client.force_login(team["manager"])

    assert names(client.get(BOARD, {"status": "contacted"})) == ["Met Person 1"]
    assert names(client.get(BOARD, {"status": "to_do"})) == ["Met Person 0", "Met Person 2"]
    assert names(client.get(BOARD, {"assignee": "priya"})) == ["Met Person 2"]
    assert names(client.get(BOARD, {"grade": "A"})) == ["Met Person 0"]
    assert names(client.get(BOARD, {"grade": "C"})) == ["Met Person 1", "Met Person 2"]
    assert names(client.get(BOARD, {"due": "overdue"})) == ["Met Person 0"]
    assert names(client.get(BOARD, {"due": "next_48h"})) == ["Met Person 2"]
    assert names(client.get(BOARD, {"due": "later"})) == []
    assert names(client.get(BOARD, {"assignee": "kenji", "status": "to_do"})) == ["Met Person 0"]


def test_an_unknown_filter_value_lists_nobody_and_says_why(client, world, team):
    client.force_login(team["manager"])

    response = client.get(BOARD, {"status": "lost"})

    assert response.status_code == 400
    assert response.context["rows"] == []
    assert response.context["filter_errors"] == [
        "Status: Select a valid choice. lost is not one of the available choices."
    ]


def many_follow_ups(world, team, count: int) -> list[FollowUp]:
    exchange = ExchangeFactory(name="Busy Exchange", slug="busy", headquarters=jurisdiction("JP"))
    now = timezone.now()
    made = []
    for index in range(count):
        attendee = Attendee.objects.create(
            event=world["event"],
            full_name=f"Crowd {index:03d}",
            company="Busy Exchange",
            dedupe_key=f"crowd-{index}",
            exchange=exchange,
            match_status=MatchStatus.MATCHED,
        )
        made.append(
            FollowUp.objects.create(
                attendee=attendee,
                event=attendee.event,
                assignee=team["japan"],
                due_at=now + datetime.timedelta(days=1),
                person_score=10,
            )
        )
    return made


def test_a_status_saved_on_page_2_of_only_mine_comes_back_to_page_2_of_only_mine_at_the_row(client, world, team):
    crowd = many_follow_ups(world, team, BOARD_PAGE_SIZE + 5)
    client.force_login(team["japan"])
    page_two = client.get(BOARD, {"mine": "1", "status": "to_do", "page": "2"})
    row = page_two.context["rows"][0]["follow_up"]
    assert page_two.context["page"].number == 2
    assert page_two.context["return_query"] == "mine=1&status=to_do&page=2"
    assert 'name="return_query" value="mine=1&amp;status=to_do&amp;page=2"' in page_two.content.decode()

    response = client.post(
        f"{BOARD}{row.pk}/status/", {"status": "contacted", "return_query": "mine=1&status=to_do&page=2"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?mine=1&status=to_do&page=2#follow-up-{row.pk}"
    row.refresh_from_db()
    assert row.status == FollowUpStatus.CONTACTED
    assert len(crowd) == BOARD_PAGE_SIZE + 5


def test_a_status_save_keeps_only_the_board_s_own_parameters(client, world, team):
    follow_up = FollowUp.objects.get(attendee__full_name="Met Person 0")
    client.force_login(team["japan"])

    response = client.post(
        f"{BOARD}{follow_up.pk}/status/",
        {"status": "not_a_fit", "return_query": "next=https://evil.example/&grade=A&due=overdue"},
    )

    assert response["Location"] == f"{BOARD}?grade=A&due=overdue#follow-up-{follow_up.pk}"


def test_a_status_save_without_a_query_returns_to_the_plain_board(client, world, team):
    follow_up = FollowUp.objects.get(attendee__full_name="Met Person 0")
    client.force_login(team["japan"])

    response = client.post(f"{BOARD}{follow_up.pk}/status/", {"status": "contacted"})

    assert response["Location"] == f"{BOARD}#follow-up-{follow_up.pk}"


def test_each_row_offers_mail_phone_and_log_a_call(client, world, team):
    Attendee.objects.filter(full_name="Met Person 0").update(email="met0@tokyo.example", phone="+81 3 1234 5678")
    client.force_login(team["japan"])

    html = client.get(BOARD).content.decode()

    assert '<a href="mailto:met0@tokyo.example">met0@tokyo.example</a>' in html
    assert '<a href="tel:+81312345678">+81 3 1234 5678</a>' in html
    assert '<a href="/exchanges/tokyo-0/?log=call#log-heading">log a call</a>' in html
    assert 'data-swap="follow-up-' in html


def test_the_board_has_no_build_button_and_its_old_address_is_gone(client, world, team):
    client.force_login(team["manager"])
    before = sorted(FollowUp.objects.values_list("pk", "assignee_id", "status"))

    html = client.get(BOARD).content.decode()
    response = client.post(f"{BOARD}build/")

    assert "Build or refresh the list" not in html
    assert response.status_code == 404
    assert sorted(FollowUp.objects.values_list("pk", "assignee_id", "status")) == before


def test_log_a_call_opens_the_exchange_s_form_with_call_chosen(client, world, team):
    client.force_login(team["manager"])

    chosen = client.get("/exchanges/tokyo-0/", {"log": "call"}).context["activity_form"]
    unknown = client.get("/exchanges/tokyo-0/", {"log": "fax"}).context["activity_form"]

    assert chosen["kind"].value() == "call"
    assert unknown["kind"].value() is None


def test_the_event_page_links_to_my_follow_ups_and_the_cadence(client, world, team):
    client.force_login(team["japan"])

    html = client.get("/events/webx-2025/").content.decode()

    assert f'<a class="button secondary" href="{BOARD}?mine=1">My follow-ups</a>' in html
    assert '<a class="button secondary" href="/events/webx-2025/cadence/">Cadence</a>' in html


def test_the_board_shows_the_status_labels_in_the_reader_s_language(client, world, team):
    follow_up = FollowUp.objects.get(attendee__full_name="Met Person 0")
    client.force_login(team["japan"])

    ja = client.get(BOARD, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    zh = client.get(BOARD, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    saved = client.post(
        f"{BOARD}{follow_up.pk}/status/", {"status": "contacted"}, HTTP_ACCEPT_LANGUAGE="ja", follow=True
    )

    assert '<option value="to_do" selected>未対応</option>' in ja
    assert '<option value="to_do" selected>待办</option>' in zh
    assert "Met Person 0: 連絡済み" in saved.content.decode()
