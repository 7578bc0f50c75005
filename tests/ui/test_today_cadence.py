"""Today with cadences: the steps due today and in the next 48 h, best person first, each with its next
step; and after a scoring model activation, the grade moves of its rescore run on the reader's accounts."""

import datetime

import pytest
from django.utils import timezone

from crm.models import Activity
from leads.models import FollowUp, RescoreChunk, Score, ScoringModel
from leads.services import (
    follow_ups_reschedule,
    follow_ups_step_log,
    rescore_chunk_serve,
    scoring_model_activate,
    scoring_model_create_version,
)
from tests.crm.factories import ExchangeFactory, jurisdiction
from tests.leads.factories import graded_webx

pytestmark = pytest.mark.django_db


@pytest.fixture
def yesterday_s_event(team):
    """WebX ended yesterday in Tokyo: its follow-ups count from midnight there, today."""
    webx = graded_webx(rep=team["japan"])
    event = webx["event"]
    event.starts_on = event.ends_on = timezone.localtime(timezone.now(), event.tzinfo).date() - datetime.timedelta(
        days=1
    )
    event.save()
    follow_ups_reschedule(event=event)
    for company, score in {"Exchange A": 70, "Exchange B": 90, "Exchange C": 95, "Exchange ungraded": 20}.items():
        FollowUp.objects.filter(attendee__company=company).update(person_score=score)
    return webx


def listed(response):
    return [(row["follow_up"].attendee.company, row["next_step"]) for row in response.context["follow_ups"]]


def test_today_lists_the_steps_due_within_48_hours_best_person_first_with_the_next_step(
    japan_client, yesterday_s_event
):
    response = japan_client.get("/")

    # C's nurture step is due in 14 days: not today's work.
    assert listed(response) == [("Exchange B", "Email"), ("Exchange A", "Call"), ("Exchange ungraded", "Email")]
    page = response.content.decode()
    assert '<td data-label="Next step">Call</td>' in page


def test_a_logged_call_leaves_today_with_its_email_still_to_come_and_a_finished_cadence_leaves_it(
    japan_client, team, yesterday_s_event
):
    exchange = yesterday_s_event["people"]["A"].exchange
    call = Activity.objects.create(
        exchange=exchange, rep=team["japan"], kind="call", occurred_at=timezone.now(), summary="Called"
    )
    follow_ups_step_log(activity=call)

    # The email is due on day 3 (72 h after the event): beyond the 48 h window, so not listed yet.
    assert listed(japan_client.get("/")) == [("Exchange B", "Email"), ("Exchange ungraded", "Email")]
    follow_up = FollowUp.objects.get(attendee__company="Exchange A")
    assert (follow_up.status, follow_up.next_step) == ("contacted", "email")

    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() + datetime.timedelta(hours=5))
    assert listed(japan_client.get("/")) == [
        ("Exchange B", "Email"),
        ("Exchange A", "Email"),
        ("Exchange ungraded", "Email"),
    ]


def test_after_an_activation_today_shows_the_grade_moves_of_its_run_to_whom_may_see_them(client, team, world):
    # an exchange first scored by the activation's run: a first score is no grade move
    ExchangeFactory(name="Newly Listed", slug="newly-listed", headquarters=jurisdiction("JP"))
    before = dict(Score.objects.values_list("exchange__slug", "grade"))
    parameters = ScoringModel.objects.get(is_active=True).get_parameters().to_dict()
    model = scoring_model_create_version(parameters=parameters | {"grade_a": 99, "grade_b": 98, "grade_c": 97})
    scoring_model_activate(scoring_model=model)
    for chunk in RescoreChunk.objects.order_by("first_id"):
        rescore_chunk_serve(chunk_id=chunk.pk)

    client.force_login(team["japan"])
    kenji = client.get("/")
    client.force_login(team["singapore"])
    priya = client.get("/")

    assert before == {"private-one": "D", "tokyo-0": "A", "tokyo-1": "A", "tokyo-2": "A"}
    activation = kenji.context["activation"]
    assert (activation["total"], activation["is_finished"]) == (3, True)
    assert [(m["exchange"].slug, m["old_grade"], m["new_grade"]) for m in activation["moves"]] == [
        ("tokyo-0", "A", "D"),
        ("tokyo-1", "A", "D"),
        ("tokyo-2", "A", "D"),
    ]
    page = kenji.content.decode()
    assert "What changed with scoring model version 2" in page
    assert "3 grade moves on your accounts since the activation of" in page
    assert '<a href="/exchanges/tokyo-0/">Tokyo Exchange 0</a>' in page
    assert Score.objects.get(exchange__slug="newly-listed").grade == "D"
    assert priya.context["activation"]["total"] == 0
    assert "tokyo-0" not in priya.content.decode()
