"""The rep's leads page is read by walking the ranked score index and stops at the page: no sort
of every visible row, no parallel workers (whose start-up alone cost a rep's request more than
the whole manager's). Checked on the plan PostgreSQL chooses with fresh statistics, at a size where
the other plans were chosen before (PostgreSQL only)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench import bench_api
from leads.api.views import WALK_THE_INDEX
from tests.conftest import need_service

PAGE = "/api/v1/leads/?page_size=100&min_score=40&size_tier=mid"


@pytest.fixture
def rep_page_sql(transactional_db, django_db_serialized_rollback):
    if connection.vendor != "postgresql":
        need_service("DATABASE_URL does not point at PostgreSQL: this test needs it")
    bench_api.populate(50_000)
    bench_api.settle()  # VACUUM ANALYZE, as autovacuum leaves a live database
    rep_key, _ = bench_api.identities()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {rep_key}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100
    (sql,) = [query["sql"] for query in queries.captured_queries if 'FROM "leads_score"' in query["sql"]]
    return sql


def plan(sql: str) -> str:
    """The plan the list's query gets as the list sends it (leads.api.views.CompiledQuery)."""
    with transaction.atomic(), connection.cursor() as cursor:
        connection.connection.execute(WALK_THE_INDEX)
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_reps_page_walks_the_score_index_to_the_page(rep_page_sql):
    chosen = plan(rep_page_sql)
    assert "leads_score_ranked" in chosen
    assert " Sort " not in chosen and "Sort Key" not in chosen
    assert "Gather" not in chosen
    assert "Hash Join" not in chosen
