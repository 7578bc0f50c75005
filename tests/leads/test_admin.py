"""The scoring model admin: new versions are validated, activation rescores."""

import json

import pytest
from django.urls import reverse

from leads.models import ScoringModel
from leads.parameters import ScoringParameters
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_a_version_with_invalid_weights_is_refused_naming_the_weight(manager_client):
    parameters = ScoringParameters().to_dict() | {"defend_share_percent": 180}

    response = manager_client.post(
        reverse("admin:leads_scoringmodel_add"), {"name": "bad", "parameters": json.dumps(parameters), "notes": ""}
    )

    assert response.status_code == 200
    assert "defend_share_percent: must be a percent between 1 and 100" in response.content.decode()
    assert list(ScoringModel.objects.values_list("version", flat=True)) == [1]


def test_a_new_version_is_added_then_activated_by_the_action(manager_client, eager_celery):
    parameters = ScoringParameters().to_dict() | {"ai_interest_points": 20}
    manager_client.post(
        reverse("admin:leads_scoringmodel_add"), {"name": "AI", "parameters": json.dumps(parameters), "notes": ""}
    )
    added = ScoringModel.objects.get(version=2)
    assert (added.is_active, added.get_parameters().ai_interest_points) == (False, 20)

    manager_client.post(
        reverse("admin:leads_scoringmodel_changelist"), {"action": "activate", "_selected_action": [added.pk]}
    )

    assert list(ScoringModel.objects.filter(is_active=True).values_list("version", flat=True)) == [2]
