"""The score table under rescoring (PostgreSQL): a write that leaves the factors as stored keeps
them without sending them again, and an update that leaves the ranked columns as they were is a
HOT update (no index entry written), which the table's indexes and fillfactor are kept for."""

import datetime

import pytest
from django.db import connection

from crm.models import Exchange
from leads.choices import ScoreCause
from leads.models import Score, ScoreChange
from leads.scoring import Factor, ScoreResult
from leads.services import scores_write

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
FACTORS = (Factor("size", 20, "Mid-size: 24h volume 6,001 BTC, rank 5 on CoinGecko (2023-01-07)", ("cg",)),)


def result(exchange: Exchange, *, score: int = 55, factors=FACTORS, defend: bool = False) -> ScoreResult:
    return ScoreResult(exchange_id=exchange.pk, score=score, grade="B", factors=factors, is_defend=defend)


def score_updates() -> tuple[int, int]:
    """(updates, of which HOT) of the score table in this transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'leads_score'")
        return cursor.fetchone()


@pytest.fixture
def scored(postgresql) -> Exchange:
    exchange = Exchange.objects.create(name="Bitbank", slug="bitbank")
    scores_write(results=[result(exchange)], model_version=1, cause=ScoreCause.MANUAL, as_of=AS_OF)
    return exchange


def test_a_new_model_version_with_the_same_factors_keeps_them_and_records_them_in_the_history(scored):
    summary = scores_write(results=[result(scored)], model_version=2, cause=ScoreCause.MODEL_CHANGE, as_of=AS_OF)

    assert summary.updated == 1
    stored = Score.objects.get(exchange=scored)
    assert (stored.model_version, stored.factors) == (2, [factor.to_json() for factor in FACTORS])
    change = ScoreChange.objects.filter(exchange=scored).latest("id")
    assert (change.old_factors, change.new_factors) == (stored.factors, stored.factors)


def test_changed_factors_are_written(scored):
    factors = (Factor("size", 20, "Large: 24h volume 12,500 BTC", ("cg",)),)
    scores_write(results=[result(scored, factors=factors)], model_version=1, cause=ScoreCause.MANUAL, as_of=AS_OF)

    assert Score.objects.get(exchange=scored).factors == [factor.to_json() for factor in factors]
    change = ScoreChange.objects.filter(exchange=scored).latest("id")
    assert change.new_factors == [factor.to_json() for factor in factors]
    assert change.old_factors == [factor.to_json() for factor in FACTORS]


def test_an_update_that_keeps_the_ranked_columns_is_hot(scored):
    before = score_updates()
    # a new model version and new moment, same score and defend flag: no indexed column changes
    scores_write(results=[result(scored)], model_version=2, cause=ScoreCause.MODEL_CHANGE, as_of=AS_OF)

    updates, hot = (after - was for after, was in zip(score_updates(), before, strict=True))
    assert (updates, hot) == (1, 1)


def test_an_update_that_moves_the_score_is_written_to_the_index(scored):
    before = score_updates()
    scores_write(results=[result(scored, score=80)], model_version=1, cause=ScoreCause.MANUAL, as_of=AS_OF)

    updates, hot = (after - was for after, was in zip(score_updates(), before, strict=True))
    assert (updates, hot) == (1, 0)
    assert Score.objects.get(exchange=scored).score == 80
