"""Every page runs the same number of queries whatever the amount of data behind it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.services import scores_rescore
from tests.ui.conftest import add_exchanges, build_world

pytestmark = pytest.mark.django_db

PAGES = [
    ("japan", "/"),
    ("manager", "/"),
    ("manager", "/?rep=kenji"),
    ("japan", "/leads/"),
    ("japan", "/leads/export.csv"),
    ("japan", "/leads/export-salesforce.csv"),
    ("japan", "/exchanges/tokyo-0/"),
    ("japan", "/events/"),
    ("japan", "/events/webx-2025/"),
    ("japan", "/events/webx-2025/review/"),
    ("japan", "/events/webx-2025/follow-ups/"),
    ("japan", "/events/webx-2025/follow-ups/export.csv"),
    ("japan", "/signals/"),
    ("japan", "/signals/new/"),
    ("manager", "/scoring-model/"),
]


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_a_page_runs_as_many_queries_with_two_exchanges_as_with_seven(client, team, who, path):
    # given two exchanges with all their evidence, measured
    world = build_world(team, 2)
    client.force_login(team[who])
    small = count_queries(client, path)

    # when five more arrive, with their people, signals, follow-ups and scores
    add_exchanges(team, world["event"], start=2, count=5)
    scores_rescore(as_of=timezone.now())

    # then the page runs exactly the same number of queries
    assert count_queries(client, path) == small


def test_the_exchange_page_runs_as_many_queries_with_one_contact_as_with_six(client, team):
    # given an exchange with one contact, measured (its activity form lists the contacts under "With")
    from crm.models import Contact

    world = build_world(team, 1)
    exchange = world["exchanges"][0]
    exchange.owner = team["japan"]
    exchange.save()
    client.force_login(team["japan"])
    small = count_queries(client, f"/exchanges/{exchange.slug}/")

    # when five more people join the exchange
    for index in range(5):
        Contact.objects.create(exchange=exchange, full_name=f"Colleague {index}", email=f"c{index}@tokyo.example")

    # then the page lists all six and runs exactly the same number of queries
    response = client.get(f"/exchanges/{exchange.slug}/")
    assert len(response.context["activity_form"].fields["contact"].queryset) == 6
    assert count_queries(client, f"/exchanges/{exchange.slug}/") == small


def test_the_follow_up_admin_list_runs_as_many_queries_with_two_follow_ups_as_with_seven(client, team):
    # given two follow-ups, measured on the admin's list by a superuser
    from tests.crm.factories import UserFactory

    world = build_world(team, 2)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    small = count_queries(client, "/admin/leads/followup/")

    # when five more people are to follow up
    add_exchanges(team, world["event"], start=2, count=5)

    # then the list runs exactly the same number of queries
    assert count_queries(client, "/admin/leads/followup/") == small
