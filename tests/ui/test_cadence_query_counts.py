"""The cadence page, the team view and Today after a model activation run the same number of queries
whatever the amount of data behind them."""

import pytest
from django.utils import timezone

from leads.models import RescoreChunk, ScoringModel
from leads.services import (
    rescore_chunk_serve,
    scores_rescore,
    scoring_model_activate,
    scoring_model_create_version,
)
from tests.ui.conftest import add_exchanges, build_world
from tests.ui.test_query_counts import count_queries

pytestmark = pytest.mark.django_db

PAGES = [
    ("japan", "/"),
    ("manager", "/"),
    ("japan", "/events/webx-2025/cadence/"),
    ("manager", "/events/webx-2025/cadence/"),
    ("manager", "/team/"),
    ("manager", "/team/?event=webx-2025"),
    ("japan", "/events/webx-2025/follow-ups/"),
]


def activate(thresholds: dict) -> int:
    """Activate a version with these grade thresholds and serve its run; returns the grade moves it made."""
    from leads.models import ScoreChange

    parameters = ScoringModel.objects.get(is_active=True).get_parameters().to_dict()
    scoring_model_activate(scoring_model=scoring_model_create_version(parameters=parameters | thresholds))
    for chunk in RescoreChunk.objects.filter(done_at__isnull=True).order_by("first_id"):
        rescore_chunk_serve(chunk_id=chunk.pk)
    latest = ScoringModel.objects.get(is_active=True).version
    return sum(1 for c in ScoreChange.objects.filter(model_version=latest) if c.old_grade and c.is_grade_change)


EVERYONE_D = {"grade_a": 99, "grade_b": 98, "grade_c": 97}
BACK_TO_DEFAULT = {"grade_a": 70, "grade_b": 50, "grade_c": 30}


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_a_cadence_page_runs_as_many_queries_with_two_exchanges_as_with_seven(client, team, who, path):
    # given two exchanges, after an activation that moved their grades, measured (the world's follow-ups
    # keep their due times: Today's folds of stale follow-ups query by what is due, whatever the grades)
    world = build_world(team, 2)
    assert activate(EVERYONE_D) == 2
    client.force_login(team[who])
    small = count_queries(client, path)

    # when five more arrive and another activation moves all seven
    add_exchanges(team, world["event"], start=2, count=5)
    scores_rescore(as_of=timezone.now())
    assert activate(BACK_TO_DEFAULT) == 7

    # then the page runs exactly the same number of queries
    assert count_queries(client, path) == small
