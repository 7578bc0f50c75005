"""Every list page costs the same number of queries whatever its size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for
from tests.api.test_permissions import LISTS

pytestmark = pytest.mark.django_db


def queries_for(client, url, page_size):
    size_parameter = "limit" if "score-changes" in url else "page_size"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {size_parameter: page_size})
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize("resource", LISTS)
def test_a_list_page_of_four_rows_runs_as_many_queries_as_a_page_of_one(world, cast, resource):
    client = client_for(cast["manager"])
    client.get(f"/api/v1/{resource}/")  # the session is loaded and cached the same way for both

    small, small_rows = queries_for(client, f"/api/v1/{resource}/", 1)
    large, large_rows = queries_for(client, f"/api/v1/{resource}/", 4)

    assert small_rows == min(1, large_rows)
    assert small == large


@pytest.mark.parametrize("resource", ["leads", "score-changes", "exchanges"])
def test_the_hot_lists_run_a_fixed_small_number_of_queries(world, cast, resource, django_assert_num_queries):
    client = client_for(cast["japan"])
    client.get(f"/api/v1/{resource}/")
    # session, user, rep (visibility), the page; the paginated exchange list also counts its rows
    # exchanges: + their newest market figure, + their allocations (for the shares)
    expected = {"leads": 4, "score-changes": 4, "exchanges": 7}[resource]

    with django_assert_num_queries(expected):
        client.get(f"/api/v1/{resource}/", {"page_size": 4})
