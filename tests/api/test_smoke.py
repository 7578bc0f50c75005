import pytest

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_rep_lists_only_the_exchanges_of_their_territory_and_their_own(cast):
    response = client_for(cast["japan"]).get("/api/v1/exchanges/")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["bitflyer", "bybit"]
