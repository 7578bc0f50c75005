"""The cadence page, the team view with its chart and Today after a model activation are valid HTML and
accessible (labels, chart names, heading order), for a rep and for a manager."""

import pytest

from leads.models import RescoreChunk, ScoringModel
from leads.services import (
    follow_ups_reschedule,
    rescore_chunk_serve,
    scoring_model_activate,
    scoring_model_create_version,
)
from tests.ui.html_check import problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def activated(world):
    follow_ups_reschedule(event=world["event"])
    parameters = ScoringModel.objects.get(is_active=True).get_parameters().to_dict()
    scoring_model_activate(scoring_model=scoring_model_create_version(parameters=parameters | {"grade_a": 90}))
    for chunk in RescoreChunk.objects.order_by("first_id"):
        rescore_chunk_serve(chunk_id=chunk.pk)
    return world


@pytest.mark.parametrize("path", ["/", "/events/webx-2025/cadence/", "/events/webx-2025/follow-ups/"])
def test_a_rep_s_cadence_pages_pass_the_check(japan_client, activated, path):
    response = japan_client.get(path)

    assert response.status_code == 200
    assert problems(response.content.decode()) == []


@pytest.mark.parametrize(
    "path", ["/", "/events/webx-2025/cadence/", "/events/webx-2025/edit/", "/team/", "/team/?event=webx-2025"]
)
def test_a_manager_s_cadence_pages_pass_the_check(manager_client, activated, path):
    response = manager_client.get(path)

    assert response.status_code == 200
    assert problems(response.content.decode()) == []
