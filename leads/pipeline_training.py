"""Training the win likelihood and recording its predictions: the one owner of "how likely is this
deal to be won", called by the weekly beat task, the train_win_model command and the managers' page.

Versions are kept like scoring models: each training run that has enough history adds a WinModel
with its metrics; its predictions are added beside those of older versions, never over them."""

from __future__ import annotations

import contextlib
import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import orjson
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from leads.choices import OpportunityStage
from leads.models import Opportunity, WinModel, WinPrediction
from leads.pipeline_features import (
    FEATURE_NAMES,
    features_as_of_opening,
    iter_features_as_of_opening,
    opportunities_at,
)
from leads.pipeline_model import (
    TEST_FRACTION,
    NotEnoughHistory,
    Scorer,
    TrainedParameters,
    evaluate,
    fit,
    history_is_enough,
    likelihood,
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class HistoryCounts:
    closed: int
    won: int
    lost: int
    generated: int

    @property
    def is_enough(self) -> bool:
        return history_is_enough(self.closed, self.won, self.lost)


def win_history_counts() -> HistoryCounts:
    """The closed opportunities training would read (one query)."""
    counts = Opportunity.objects.closed().aggregate(
        closed=Count("pk"),
        won=Count("pk", filter=Q(stage=OpportunityStage.CLOSED_WON)),
        generated=Count("pk", filter=Q(is_generated=True)),
    )
    return HistoryCounts(counts["closed"], counts["won"], counts["closed"] - counts["won"], counts["generated"])


def win_model_current() -> WinModel | None:
    return WinModel.objects.order_by("-version").first()


def _say(progress: Progress | None, line: str) -> None:
    if progress is not None:
        progress(line)


def win_model_train(
    *, user=None, progress: Progress | None = None, now: datetime.datetime | None = None, seed: int = 0
) -> WinModel:
    """Train a new version on every closed opportunity, features as of each one's opening.

    The newest TEST_FRACTION of the history (by opening) is held out: the model fitted on the older
    part is measured on it (AUC, Brier score, top-decile lift, the counts), then the version kept is
    refitted on the whole history. Too little or one-sided history raises NotEnoughHistory with the
    counts and writes nothing. The new version then predicts every open opportunity."""
    now = now or timezone.now()
    counts = win_history_counts()
    if not counts.is_enough:
        raise NotEnoughHistory(counts.closed, counts.won, counts.lost)
    closed = Opportunity.objects.closed().order_by("opened_at", "pk")
    _say(progress, f"Reading the features of {counts.closed:,} closed opportunities as of their opening...")
    items = opportunities_at(closed)
    won_ids = set(closed.filter(stage=OpportunityStage.CLOSED_WON).values_list("pk", flat=True))
    features = features_as_of_opening(items)
    vectors = [f.vector() for f in features]
    labels = [1 if f.opportunity_id in won_ids else 0 for f in features]
    split = round(len(vectors) * (1 - TEST_FRACTION))
    train_labels = labels[:split]
    if sum(train_labels) == 0 or sum(train_labels) == len(train_labels):
        won = sum(train_labels)
        raise NotEnoughHistory(len(train_labels), won, len(train_labels) - won)
    _say(progress, f"Training on the oldest {split:,}, testing on the newest {len(vectors) - split:,}...")
    held_out = fit(vectors[:split], train_labels, seed=seed)
    predicted = [likelihood(held_out, v) for v in vectors[split:]]
    evaluation = evaluate(predicted, labels[split:], train_count=split)
    _say(progress, f"Refitting on all {len(vectors):,} closed opportunities...")
    parameters = fit(vectors, labels, seed=seed)
    with transaction.atomic():
        latest = WinModel.objects.select_for_update().aggregate(latest=Max("version"))["latest"] or 0
        model = WinModel.objects.create(
            version=latest + 1,
            trained_at=now,
            trained_by=user if user is not None and getattr(user, "is_authenticated", False) else None,
            feature_names=list(FEATURE_NAMES),
            parameters=parameters.as_dict(),
            metrics={
                "auc": _round(evaluation.auc),
                "brier": _round(evaluation.brier),
                "top_decile_lift": _round(evaluation.top_decile_lift),
                "train_count": evaluation.train_count,
                "test_count": evaluation.test_count,
                "test_won": evaluation.test_won,
                "test_lost": evaluation.test_lost,
                "closed": counts.closed,
                "won": counts.won,
                "lost": counts.lost,
                "generated": counts.generated,
                "test_from": features[split].as_of.date().isoformat(),
            },
            trained_on_generated=counts.generated > 0,
        )
    _say(progress, "Predicting the open opportunities...")
    written = win_predictions_refresh(model=model, now=now)
    _say(progress, f"Version {model.version}: {written:,} open opportunities predicted.")
    return model


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def win_predictions_refresh(
    *, model: WinModel | None = None, opportunities: Iterable[int] | None = None, now=None
) -> int:
    """Predict, with this version (default: the newest), every open opportunity it has not predicted
    yet (or only those given). Returns how many predictions were added; none is ever rewritten."""
    model = model or win_model_current()
    if model is None:
        return 0
    now = now or timezone.now()
    scorer = Scorer(TrainedParameters.from_stored(model.feature_names, model.parameters))
    queryset = Opportunity.objects.open().exclude(predictions__model=model).order_by("pk")
    if opportunities is not None:
        queryset = queryset.filter(pk__in=list(opportunities))
    items = opportunities_at(queryset)
    if not items:
        return 0
    # One load of the accounts' timelines for all of them, then arithmetic over each distinct set of
    # features once (opportunities of one account opened between two of its facts share theirs), each
    # one's JSON made once, and the predictions streamed to the database a batch at a time (the
    # database takes one while the next is computed). All of them or none.
    payloads: dict[tuple, tuple] = {}
    written = 0
    features = iter_features_as_of_opening(items)
    with transaction.atomic(), _prediction_writer(model, now) as write:
        while batch := list(itertools.islice(features, WRITE_BATCH)):
            firsts = {f.basis: f for f in batch if f.basis not in payloads}
            if firsts:
                new = list(firsts.values())
                likelihoods, reasons = scorer.score_many([f.vector() for f in new], [f.raw for f in new])
                for value, found, f in zip(likelihoods, reasons, new, strict=True):
                    payloads[f.basis] = (round(value, 4), orjson.dumps(found).decode(), orjson.dumps(f.values).decode())
            write([(f.opportunity_id, *payloads[f.basis], f.as_of) for f in batch])
            written += len(batch)
    return written


WRITE_BATCH = 5_000


def _copy_text(json_text: str) -> str:
    """A JSON text as a field of COPY's text format: JSON has no raw tab or newline, so only its
    backslashes need doubling."""
    return json_text.replace("\\", "\\\\")


@contextlib.contextmanager
def _prediction_writer(model: WinModel, now: datetime.datetime) -> Iterator[Callable[[list[tuple]], None]]:
    """A function adding predictions, each (opportunity id, likelihood, contributions JSON, features
    JSON, as of), a batch at a time; used inside a transaction. On PostgreSQL one COPY, its text
    format composed here (the driver's per-value adaptation cost more than the database's work), each
    batch sent as it is ready; bulk_create elsewhere. (Checking the foreign keys as rows arrive, or
    sending from a writer thread, measured no faster than checking them at the commit.)"""
    if connection.vendor != "postgresql":

        def create(rows: list[tuple]) -> None:
            WinPrediction.objects.bulk_create(
                WinPrediction(
                    opportunity_id=opportunity_id,
                    model=model,
                    likelihood=value,
                    contributions=orjson.loads(reasons),
                    features=orjson.loads(features),
                    as_of=as_of,
                    predicted_at=now,
                )
                for opportunity_id, value, reasons, features, as_of in rows
            )

        yield create
        return
    table = WinPrediction._meta.db_table
    columns = "opportunity_id, model_id, likelihood, contributions, features, as_of, predicted_at"
    model_id, tail = model.pk, f"\t{now.isoformat()}\n"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        yield lambda rows: copy.write(
            "".join(
                f"{opportunity_id}\t{model_id}\t{value!r}\t{_copy_text(reasons)}\t{_copy_text(features)}"
                f"\t{as_of.isoformat()}{tail}"
                for opportunity_id, value, reasons, features, as_of in rows
            )
        )


def win_predictions_current(opportunity_ids: Iterable[int]) -> dict[int, WinPrediction]:
    """The newest version's prediction of each opportunity that has one (one query)."""
    ids = list(opportunity_ids)
    model = win_model_current()
    if model is None or not ids:
        return {}
    return {
        p.opportunity_id: p
        for p in WinPrediction.objects.filter(model=model, opportunity_id__in=ids).select_related("model")
    }


def win_likelihood_summary(prediction: WinPrediction | None) -> dict | None:
    """A prediction as the API, the pages and Salesforce show it: the likelihood in percent, the model
    version, when, and its three strongest contributions as sentences (in the active language)."""
    from leads.pipeline_model import contribution_sentence

    if prediction is None:
        return None
    return {
        "opportunity": prediction.opportunity_id,
        "likelihood_percent": round(prediction.likelihood * 100),
        "model_version": prediction.model.version,
        "as_of": prediction.as_of,
        "predicted_at": prediction.predicted_at,
        "trained_on_generated": prediction.model.trained_on_generated,
        "reasons": [contribution_sentence(c) for c in prediction.contributions],
    }


def exchange_win_likelihoods(exchange_ids: Iterable[int]) -> dict[int, WinPrediction]:
    """Per exchange, the current prediction of its newest open opportunity that has one (two queries):
    the likelihood shown beside the rules score."""
    model = win_model_current()
    ids = list(exchange_ids)
    if model is None or not ids:
        return {}
    predictions = (
        WinPrediction.objects.filter(model=model, opportunity__exchange_id__in=ids)
        .exclude(opportunity__stage__in=OpportunityStage.closed())
        .select_related("model", "opportunity")
        .order_by("opportunity__exchange_id", "-opportunity__opened_at", "-opportunity_id")
    )
    chosen: dict[int, WinPrediction] = {}
    for prediction in predictions:
        chosen.setdefault(prediction.opportunity.exchange_id, prediction)
    return chosen


def salesforce_win_likelihood_fields(opportunity: Opportunity) -> dict:
    """The custom fields a Salesforce push writes on the Opportunity: the likelihood (percent), the
    model version and the three reasons, one a line. Empty values when there is no prediction yet."""
    return salesforce_win_likelihoods([opportunity.pk])[opportunity.pk]


def salesforce_win_likelihoods(opportunity_ids: Iterable[int]) -> dict[int, dict]:
    """salesforce_win_likelihood_fields for many opportunities at once (two queries), as the push
    reads them; the reasons are in the active language."""
    ids = list(opportunity_ids)
    predictions = win_predictions_current(ids)
    fields = {}
    for opportunity_id in ids:
        summary = win_likelihood_summary(predictions.get(opportunity_id))
        if summary is None:
            fields[opportunity_id] = {
                "Win_Likelihood__c": None,
                "Win_Likelihood_Model__c": None,
                "Win_Likelihood_Reasons__c": "",
            }
            continue
        fields[opportunity_id] = {
            "Win_Likelihood__c": summary["likelihood_percent"],
            "Win_Likelihood_Model__c": summary["model_version"],
            "Win_Likelihood_Reasons__c": "\n".join(summary["reasons"]),
        }
    return fields
