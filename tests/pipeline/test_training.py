"""Training the win likelihood: the minimum history, versions that never rewrite old predictions,
and a plain-Python likelihood equal to scikit-learn's."""

import builtins
import datetime
import random

import pytest

from leads.choices import OpportunityStage
from leads.models import Opportunity, WinModel, WinPrediction
from leads.pipeline_demo import load_demo_pipeline
from leads.pipeline_features import FEATURE_NAMES
from leads.pipeline_model import NotEnoughHistory, ScikitLearnMissing, fit, likelihood
from leads.pipeline_training import win_model_train, win_predictions_current
from tests.crm.factories import ExchangeFactory

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2025, 1, 6, 9, tzinfo=datetime.UTC)


def history(won: int, lost: int, open_: int = 0):
    exchange = ExchangeFactory(name="Upbit", slug="upbit")
    stages = [OpportunityStage.CLOSED_WON] * won + [OpportunityStage.CLOSED_LOST] * lost
    stages += [OpportunityStage.NEGOTIATION] * open_
    for day, stage in enumerate(stages):
        Opportunity.objects.create(
            exchange=exchange, name=f"Deal {day}", stage=stage, opened_at=OPENED + datetime.timedelta(days=day)
        )


@pytest.mark.parametrize(
    ("won", "lost", "message"),
    [
        (
            20,
            19,
            "Not enough history yet: 39 closed opportunities (20 won, 19 lost); training needs at least 40 closed, "
            "10 won and 10 lost.",
        ),
        (
            41,
            9,
            "Not enough history yet: 50 closed opportunities (41 won, 9 lost); training needs at least 40 closed, "
            "10 won and 10 lost.",
        ),
        (
            0,
            60,
            "Not enough history yet: 60 closed opportunities (0 won, 60 lost); training needs at least 40 closed, "
            "10 won and 10 lost.",
        ),
    ],
)
def test_too_little_or_one_sided_history_is_refused_with_the_counts_and_writes_nothing(won, lost, message):
    history(won, lost, open_=3)

    with pytest.raises(NotEnoughHistory) as refused:
        win_model_train()

    assert str(refused.value) == message
    assert (refused.value.closed, refused.value.won, refused.value.lost) == (won + lost, won, lost)
    assert WinModel.objects.count() == 0
    assert WinPrediction.objects.count() == 0


def test_a_new_version_adds_its_predictions_and_never_rewrites_the_old_ones():
    load_demo_pipeline(seed=16)
    first = win_model_train()
    old = {p.opportunity_id: (p.likelihood, p.contributions) for p in WinPrediction.objects.filter(model=first)}
    # More history arrives: the oldest open deal is won.
    deal = Opportunity.objects.open().order_by("opened_at").first()
    deal.stage = OpportunityStage.CLOSED_WON
    deal.save()

    second = win_model_train()

    assert (first.version, second.version) == (1, 2)
    assert {p.opportunity_id: (p.likelihood, p.contributions) for p in WinPrediction.objects.filter(model=first)} == old
    assert WinPrediction.objects.filter(model=second).count() == 38
    current = win_predictions_current(old)
    assert {p.model_id for p in current.values()} == {second.pk}
    assert deal.pk not in current


def test_each_prediction_names_its_three_strongest_contributions_as_sentences():
    load_demo_pipeline(seed=16)
    model = win_model_train()
    prediction = WinPrediction.objects.filter(model=model).order_by("opportunity_id").first()

    from leads.pipeline_model import contribution_sentence

    assert len(prediction.contributions) == 3
    weights = [abs(c["weight"]) for c in prediction.contributions]
    assert weights == sorted(weights, reverse=True)
    sentences = [contribution_sentence(c) for c in prediction.contributions]
    assert all(s.endswith(("raises the likelihood.", "lowers the likelihood.")) for s in sentences)


def test_the_plain_python_likelihood_equals_scikit_learns_predict_proba():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = random.Random(3)
    vectors = [[rng.random() for _ in FEATURE_NAMES] for _ in range(300)]
    labels = [int(v[0] + v[5] + rng.random() > 1.5) for v in vectors]
    reference = CalibratedClassifierCV(
        make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=0)),
        method="sigmoid",
        cv=3,
    ).fit(vectors, labels)

    parameters = fit(vectors, labels)

    expected = reference.predict_proba(vectors[:20])[:, 1]
    assert [round(likelihood(parameters, v), 9) for v in vectors[:20]] == [round(float(p), 9) for p in expected]


def test_training_without_scikit_learn_says_it_is_not_installed(monkeypatch):
    real_import = builtins.__import__

    def without_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_sklearn)
    with pytest.raises(ScikitLearnMissing) as missing:
        fit([[0.0] * len(FEATURE_NAMES)], [1])

    assert str(missing.value) == (
        "scikit-learn is not installed: pip install 'exchange-intel[pipeline]' to train the win likelihood."
    )


def test_the_batch_scorer_gives_the_same_likelihood_and_contributions():
    from leads.pipeline_model import Scorer, contributions

    rng = random.Random(5)
    vectors = [[rng.random() for _ in FEATURE_NAMES] for _ in range(200)]
    labels = [int(v[6] - v[7] + rng.random() > 0.5) for v in vectors]
    parameters = fit(vectors, labels)
    scorer = Scorer(parameters)
    raw = {"engagement": 2, "rival_share": 40, "home_share": 10, "rules_score": 50, "workloads": ["ai"]}

    for vector in vectors[:25]:
        assert round(scorer.likelihood(vector), 9) == round(likelihood(parameters, vector), 9)
        assert scorer.contributions(vector, raw) == contributions(parameters, vector, raw)


def test_the_matrix_scorer_gives_the_same_answers_as_one_by_one():
    from leads.pipeline_model import Scorer

    rng = random.Random(8)
    vectors = [[rng.random() for _ in FEATURE_NAMES] for _ in range(300)]
    labels = [int(v[0] - v[12] + rng.random() > 0.5) for v in vectors]
    scorer = Scorer(fit(vectors, labels))
    raws = [{"engagement": n % 4, "rules_score": n} for n in range(50)]

    likelihoods, reasons = scorer.score_many(vectors[:50], raws)

    assert [round(v, 9) for v in likelihoods] == [round(scorer.likelihood(v), 9) for v in vectors[:50]]
    assert reasons == [scorer.contributions(v, r) for v, r in zip(vectors[:50], raws, strict=True)]
