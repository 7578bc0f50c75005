"""The change feed: a client that stores the cursor gets every change exactly once, in order,
even while rescoring writes concurrently."""

import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from crm.choices import RepRole
from leads.models import ScoreChange
from leads.scoring import Factor, ScoreResult
from leads.services.scores import scores_write
from tests.api.conftest import client_for
from tests.crm.factories import ExchangeFactory, RepFactory

WRITERS, ROUNDS, EXCHANGES_PER_ROUND = 3, 12, 8


def rescoring_writer(exchange_ids, seed, errors):
    rng = random.Random(seed)
    try:
        for round_number in range(ROUNDS):
            results = []
            for pk in exchange_ids:
                score = 10 + round_number * 5  # a new score every round: one change per exchange per round
                grade = "A" if score >= 70 else "B" if score >= 50 else "C" if score >= 30 else "D"
                results.append(
                    ScoreResult(exchange_id=pk, score=score, grade=grade, factors=(Factor("x", score, "s"),))
                )
            with transaction.atomic():
                scores_write(results=results, model_version=1, cause="manual", as_of=_now())
                # Hold the transaction open a little, as a large rescore would: a reader must not
                # skip past ids another writer has taken but not yet committed.
                time.sleep(rng.uniform(0, 0.02))
    except Exception as error:  # reported by the test
        errors.append(error)
    finally:
        connection.close()


def _now():
    return timezone.now()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_client_following_the_cursor_gets_every_change_once_and_in_order_during_rescoring(postgresql):
    manager = RepFactory(user__username="sync", role=RepRole.MANAGER).user
    exchange_ids = [ExchangeFactory().pk for _ in range(WRITERS * EXCHANGES_PER_ROUND)]
    client = client_for(manager)
    errors: list[Exception] = []
    writers = [
        threading.Thread(
            target=rescoring_writer,
            args=(exchange_ids[seed * EXCHANGES_PER_ROUND : (seed + 1) * EXCHANGES_PER_ROUND], seed, errors),
        )
        for seed in range(WRITERS)
    ]

    seen, cursor = [], 0
    for writer in writers:
        writer.start()
    while any(writer.is_alive() for writer in writers):
        page = client.get("/api/v1/score-changes/", {"cursor": cursor, "limit": 7}).json()
        seen += [row["id"] for row in page["results"]]
        cursor = page["next_cursor"]
    for writer in writers:
        writer.join()
    while True:
        page = client.get("/api/v1/score-changes/", {"cursor": cursor, "limit": 7}).json()
        seen += [row["id"] for row in page["results"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break

    everything = list(ScoreChange.objects.order_by("id").values_list("id", flat=True))
    assert errors == []
    assert len(everything) == WRITERS * ROUNDS * EXCHANGES_PER_ROUND
    assert seen == everything
