"""Stored factors keep a message id and parameters, not their English: the migration that drops the English
from scores stored before leaves the next rescore with nothing to record (same score, same factors),
and the sentences read as they did."""

import datetime
import hashlib
import importlib

import orjson
from django.apps import apps

from crm.models import Exchange
from leads.choices import ScoreCause
from leads.models import Score, ScoreChange
from leads.scoring import Factor, ScoreResult
from leads.sentences import factor_sentence
from leads.services import scores_write

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
FACTORS = (
    Factor("size", 20, "", ("market_figure:7",), "%(tier)s: %(figure)s", {"tier": "mid", "figure": "rank 5"}),
    Factor("manual", 5, "Met at WebX Tokyo"),
)
migration = importlib.import_module("leads.migrations.0019_factors_without_english")


def test_a_score_stored_with_its_english_loses_it_and_the_next_rescore_records_nothing(db):
    # given a score stored before, each factor with a message id carrying its English too
    exchange = Exchange.objects.create(name="Bitbank", slug="bitbank")
    result = ScoreResult(exchange_id=exchange.pk, score=25, grade="C", factors=FACTORS)
    scores_write(results=[result], model_version=1, cause=ScoreCause.MANUAL, as_of=AS_OF)
    old = [{**f, "sentence": factor_sentence(f, "en")} if f.get("message") else f for f in result.factors_json()]
    Score.objects.update(factors=old, factors_hash=hashlib.md5(orjson.dumps(old)).hexdigest())
    history = ScoreChange.objects.count()

    # when the migration runs
    migration.forwards(apps, None)

    # then the English is emptied where a message id says it, kept where it is all a factor has
    stored = Score.objects.get(exchange=exchange)
    assert stored.factors == [
        {"code": "size", "points": 20, "sentence": "", "references": ["market_figure:7"],
         "message": "%(tier)s: %(figure)s", "params": {"tier": "mid", "figure": "rank 5"}},
        {"code": "manual", "points": 5, "sentence": "Met at WebX Tokyo", "references": [], "message": "", "params": {}},
    ]  # fmt: skip
    assert [factor_sentence(f, "en") for f in stored.factors] == ["Mid-size: rank 5", "Met at WebX Tokyo"]

    # and the next rescore, giving the same result, finds it unchanged: no history row, the hash stored again
    summary = scores_write(results=[result], model_version=1, cause=ScoreCause.MANUAL, as_of=AS_OF)
    assert (summary.updated, summary.refreshed, ScoreChange.objects.count()) == (0, 1, history)
    stored.refresh_from_db()
    assert stored.factors_hash == hashlib.md5(orjson.dumps(result.factors_json())).hexdigest()
