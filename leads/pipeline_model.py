"""The win-likelihood model: training (scikit-learn, an optional extra), and scoring and explaining
from the stored parameters in plain Python (no scikit-learn needed to read a likelihood).

The model is a logistic regression on standardised point-in-time features (leads.pipeline_features),
calibrated with Platt scaling (CalibratedClassifierCV, method "sigmoid", 3 folds). Each fold keeps its
own scaler, coefficients and calibration; the likelihood is the mean of the folds' calibrated
probabilities, as scikit-learn's predict_proba computes it. A contribution is a feature's pull on the
log-odds (coefficient x standardised value, averaged over the folds), grouped into the facts a rep
reads: the three strongest become sentences."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from leads.pipeline_features import FEATURE_NAMES

# The facts a rep reads, and the features behind each.
GROUPS: dict[str, tuple[str, ...]] = {
    "rules": ("rules_score", "has_rules_score"),
    "size": ("size_large", "size_mid", "size_known", "log_volume"),
    "home_share": ("home_share",),
    "rival_share": ("rival_share", "cloud_known"),
    "licences": ("licences",),
    "licence_trouble": ("licence_trouble",),
    "rival_outages": ("rival_outages",),
    "engagement": ("engagement",),
    "workloads": ("workload_ai", "workload_trading_engine"),
}

MIN_CLOSED = 40
MIN_WON = 10
MIN_LOST = 10
TEST_FRACTION = 0.2
CALIBRATION_FOLDS = 3


class ScikitLearnMissing(RuntimeError):
    """Training needs scikit-learn (pip install exchange-intel[pipeline])."""


class NotEnoughHistory(ValueError):
    """Too few closed opportunities, or one-sided: the counts say which."""

    def __init__(self, closed: int, won: int, lost: int):
        self.closed, self.won, self.lost = closed, won, lost
        super().__init__(
            _(
                "Not enough history yet: %(closed)s closed opportunities (%(won)s won, %(lost)s lost); "
                "training needs at least %(min_closed)s closed, %(min_won)s won and %(min_lost)s lost."
            )
            % {
                "closed": closed,
                "won": won,
                "lost": lost,
                "min_closed": MIN_CLOSED,
                "min_won": MIN_WON,
                "min_lost": MIN_LOST,
            }
        )


def history_is_enough(closed: int, won: int, lost: int) -> bool:
    return closed >= MIN_CLOSED and won >= MIN_WON and lost >= MIN_LOST


def sklearn_available() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Fold:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    a: float
    b: float

    def as_dict(self) -> dict:
        return {
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "a": self.a,
            "b": self.b,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Fold:
        return cls(
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["coef"]),
            float(data["intercept"]),
            float(data["a"]),
            float(data["b"]),
        )


@dataclass(frozen=True)
class TrainedParameters:
    feature_names: tuple[str, ...]
    folds: tuple[Fold, ...]

    def as_dict(self) -> dict:
        return {"folds": [f.as_dict() for f in self.folds]}

    @classmethod
    def from_stored(cls, feature_names: Sequence[str], parameters: dict) -> TrainedParameters:
        return cls(tuple(feature_names), tuple(Fold.from_dict(f) for f in parameters["folds"]))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def likelihood(parameters: TrainedParameters, vector: Sequence[float]) -> float:
    """The calibrated win likelihood (0..1) of one feature vector."""
    total = 0.0
    for fold in parameters.folds:
        z = fold.intercept
        for x, m, s, c in zip(vector, fold.mean, fold.scale, fold.coef, strict=True):
            z += c * (x - m) / s
        total += _sigmoid(-(fold.a * z + fold.b))
    return total / len(parameters.folds)


def contributions(parameters: TrainedParameters, vector: Sequence[float], raw: dict, top: int = 3) -> list[dict]:
    """The strongest pulls on this likelihood, grouped by fact: [{group, weight, raw}], strongest first.
    The weight is the pull on the log-odds of the uncalibrated regression (positive raises); the
    calibration is monotonic (a < 0), so the sign reads the same on the likelihood."""
    index = {name: i for i, name in enumerate(parameters.feature_names)}
    pulls: dict[str, float] = {}
    for group, names in GROUPS.items():
        weight = 0.0
        for fold in parameters.folds:
            for name in names:
                i = index[name]
                weight += fold.coef[i] * (vector[i] - fold.mean[i]) / fold.scale[i]
        pulls[group] = weight / len(parameters.folds)
    strongest = sorted((g for g in pulls if abs(pulls[g]) >= 0.01), key=lambda g: -abs(pulls[g]))[:top]
    return [{"group": g, "weight": round(pulls[g], 4), "raw": _raw_for(g, raw)} for g in strongest]


class Scorer:
    """A trained version ready to score many vectors: the scaling folded into each fold's weights and
    each group's pull reduced to one weight and offset per feature, so one opportunity costs a few
    dozen multiplications (100,000 in well under a second). Same answers as likelihood() and
    contributions()."""

    def __init__(self, parameters: TrainedParameters):
        self.folds = []
        for fold in parameters.folds:
            weights = [c / s for c, s in zip(fold.coef, fold.scale, strict=True)]
            offset = fold.intercept - sum(w * m for w, m in zip(weights, fold.mean, strict=True))
            self.folds.append((weights, offset, fold.a, fold.b))
        count = len(parameters.folds)
        index = {name: i for i, name in enumerate(parameters.feature_names)}
        self.groups = []
        for group, names in GROUPS.items():
            terms = []
            offset = 0.0
            for name in names:
                i = index[name]
                terms.append((i, sum(f.coef[i] / f.scale[i] for f in parameters.folds) / count))
                offset += sum(f.coef[i] * f.mean[i] / f.scale[i] for f in parameters.folds) / count
            self.groups.append((group, tuple(terms), offset))

    def likelihood(self, vector: Sequence[float]) -> float:
        total = 0.0
        for weights, offset, a, b in self.folds:
            z = offset
            for w, x in zip(weights, vector, strict=False):
                z += w * x
            total += _sigmoid(-(a * z + b))
        return total / len(self.folds)

    def contributions(self, vector: Sequence[float], raw: dict, top: int = 3) -> list[dict]:
        pulls = []
        for group, terms, offset in self.groups:
            weight = -offset
            for i, w in terms:
                weight += w * vector[i]
            if weight >= 0.01 or weight <= -0.01:
                pulls.append((weight, group))
        strongest = sorted(pulls, key=lambda p: -abs(p[0]))[:top]
        return [
            {"group": group, "weight": round(weight, 4), "raw": {k: raw.get(k) for k in RAW_KEYS[group]}}
            for weight, group in strongest
        ]

    def score_many(self, vectors: Sequence[Sequence[float]], raws: Sequence[dict], top: int = 3):
        """Likelihoods and contributions of many vectors: with numpy (installed with scikit-learn) as
        matrix arithmetic, else one by one. Same answers either way."""
        try:
            import numpy as np
        except ImportError:
            return (
                [self.likelihood(v) for v in vectors],
                [self.contributions(v, r, top) for v, r in zip(vectors, raws, strict=True)],
            )
        x = np.asarray(vectors, dtype=float)
        total = np.zeros(len(x))
        for weights, offset, a, b in self.folds:
            z = x @ np.asarray(weights) + offset
            total += 1.0 / (1.0 + np.exp(a * z + b))
        likelihoods = (total / len(self.folds)).tolist()
        pulls = np.empty((len(x), len(self.groups)))
        for g, (_group, terms, offset) in enumerate(self.groups):
            columns = [i for i, _w in terms]
            pulls[:, g] = x[:, columns] @ np.asarray([w for _i, w in terms]) - offset
        order = np.argsort(-np.abs(pulls), axis=1, kind="stable")[:, :top]
        names = [group for group, _terms, _offset in self.groups]
        found = []
        for row, (indexes, raw) in enumerate(zip(order.tolist(), raws, strict=True)):
            items = []
            for g in indexes:
                weight = float(pulls[row, g])
                if weight >= 0.01 or weight <= -0.01:
                    group = names[g]
                    items.append(
                        {"group": group, "weight": round(weight, 4), "raw": {k: raw.get(k) for k in RAW_KEYS[group]}}
                    )
            found.append(items)
        return likelihoods, found


RAW_KEYS: dict[str, tuple[str, ...]] = {
    "rules": ("rules_score",),
    "size": ("size_tier", "volume_btc"),
    "home_share": ("home_share",),
    "rival_share": ("rival_share",),
    "licences": ("licences",),
    "licence_trouble": ("licence_trouble",),
    "rival_outages": ("rival_outages",),
    "engagement": ("engagement",),
    "workloads": ("workloads",),
}


def _raw_for(group: str, raw: dict) -> dict:
    return {k: raw.get(k) for k in RAW_KEYS[group]}


def _fact(group: str, raw: dict) -> str:
    if group == "rules":
        if raw.get("rules_score") is None:
            return _("No rules score yet when it opened")
        return _("Rules score %(score)s when it opened") % {"score": raw["rules_score"]}
    if group == "size":
        tier = raw.get("size_tier") or "unknown"
        if tier == "unknown":
            return _("Size unknown when it opened")
        names = {"large": _("Large"), "mid": _("Mid-size"), "small": _("Small")}
        if raw.get("volume_btc") is None:
            return _("%(tier)s exchange when it opened (size set by hand)") % {"tier": names.get(tier, tier)}
        return _("%(tier)s exchange when it opened (24h volume %(volume)s BTC)") % {
            "tier": names.get(tier, tier),
            "volume": f"{raw['volume_btc']:,.0f}",
        }
    if group == "home_share":
        return _("Our cloud ran %(share)s%% of a workload when it opened") % {"share": raw.get("home_share") or 0}
    if group == "rival_share":
        if not raw.get("rival_share"):
            return _("No rival cloud known to run its workloads when it opened")
        return _("Rival clouds ran %(share)s%% of a workload when it opened") % {"share": raw["rival_share"]}
    if group == "licences":
        return _("%(count)s licences or registrations known when it opened") % {"count": raw.get("licences") or 0}
    if group == "licence_trouble":
        if raw.get("licence_trouble"):
            return _("A licence was pending, exiting, banned or missing when it opened")
        return _("No licence trouble known when it opened")
    if group == "rival_outages":
        return _("%(count)s outages at its rival clouds in the year before it opened") % {
            "count": raw.get("rival_outages") or 0
        }
    if group == "engagement":
        return _("%(count)s meetings or calls in the 180 days before it opened") % {"count": raw.get("engagement") or 0}
    workloads = raw.get("workloads") or []
    return _("Workloads: %(workloads)s") % {"workloads": ", ".join(workloads) or "-"}


def contribution_sentence(contribution: dict) -> str:
    """One contribution as a sentence in the active language."""
    fact = _fact(contribution["group"], contribution.get("raw") or {})
    if contribution["weight"] >= 0:
        return _("%(fact)s: raises the likelihood.") % {"fact": fact}
    return _("%(fact)s: lowers the likelihood.") % {"fact": fact}


@dataclass(frozen=True)
class Evaluation:
    auc: float | None
    brier: float
    top_decile_lift: float | None
    train_count: int
    test_count: int
    test_won: int
    test_lost: int


def fit(vectors: Sequence[Sequence[float]], labels: Sequence[int], *, seed: int = 0) -> TrainedParameters:
    """Fit the calibrated logistic regression (needs scikit-learn) and return its parameters."""
    try:
        import numpy as np
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError as missing:
        raise ScikitLearnMissing(
            _("scikit-learn is not installed: pip install 'exchange-intel[pipeline]' to train the win likelihood.")
        ) from missing
    x = np.asarray(vectors, dtype=float)
    y = np.asarray(labels, dtype=int)
    base = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=seed))
    calibrated = CalibratedClassifierCV(base, method="sigmoid", cv=CALIBRATION_FOLDS)
    calibrated.fit(x, y)
    folds = []
    for member in calibrated.calibrated_classifiers_:
        scaler, regression = member.estimator.steps[0][1], member.estimator.steps[1][1]
        scale = [float(s) if s else 1.0 for s in scaler.scale_]
        calibrator = member.calibrators[0]
        folds.append(
            Fold(
                tuple(float(m) for m in scaler.mean_),
                tuple(scale),
                tuple(float(c) for c in regression.coef_[0]),
                float(regression.intercept_[0]),
                float(calibrator.a_),
                float(calibrator.b_),
            )
        )
    return TrainedParameters(FEATURE_NAMES, tuple(folds))


def evaluate(predicted: Sequence[float], labels: Sequence[int], *, train_count: int) -> Evaluation:
    """AUC, Brier score and top-decile lift of predictions on the held-out deals (needs scikit-learn)."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    won = sum(labels)
    lost = len(labels) - won
    auc = float(roc_auc_score(labels, predicted)) if won and lost else None
    brier = float(brier_score_loss(labels, predicted))
    lift = None
    if won:
        ranked = sorted(zip(predicted, labels, strict=True), key=lambda pair: -pair[0])
        top = ranked[: max(1, math.ceil(len(ranked) / 10))]
        lift = (sum(label for _score, label in top) / len(top)) / (won / len(labels))
    return Evaluation(auc, brier, lift, train_count, len(labels), won, lost)
