"""Scoring model versions: create one, activate it (a rescore run is recorded with it), and the home
vendor the active model's scores were computed for."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from leads.choices import ScoreCause
from leads.models import ScoringModel
from leads.parameters import ScoringParameters
from leads.services.rescore_runs import rescore_run_record

logger = logging.getLogger(__name__)


@transaction.atomic
def scoring_model_create_version(
    *, parameters: dict, name: str = "", notes: str = "", created_by=None, activate: bool = False
) -> ScoringModel:
    """A new version with validated parameters; existing versions are never edited."""
    next_version = (ScoringModel.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    model = ScoringModel(version=next_version, name=name, notes=notes, parameters=parameters, created_by=created_by)
    model.full_clean()
    model.parameters = ScoringParameters.from_dict(parameters).to_dict()
    model.save()
    if activate:
        model = scoring_model_activate(scoring_model=model)
    return model


@transaction.atomic
def scoring_model_activate(*, scoring_model: ScoringModel) -> ScoringModel:
    """Make this version the active one and record a rescore of every exchange with it (a run of
    chunks, published after commit: a broker that is down delays it, the relay publishes it again).
    History keeps the scores earlier versions produced."""
    locked = ScoringModel.objects.select_for_update().get(pk=scoring_model.pk)
    if locked.is_active:
        return locked
    ScoringModel.objects.filter(is_active=True).update(is_active=False)
    locked.is_active = True
    locked.activated_at = timezone.now()
    locked.scored_for_home_vendor = settings.CRM_HOME_VENDOR
    locked.save(update_fields=["is_active", "activated_at", "scored_for_home_vendor"])
    rescore_run_record(cause=ScoreCause.MODEL_CHANGE)
    return locked


@dataclass(frozen=True)
class HomeVendorChange:
    previous: str
    configured: str

    def __str__(self) -> str:
        before = self.previous or "an unrecorded vendor"
        return (
            f"CRM_HOME_VENDOR is now {self.configured!r}; the stored scores were computed for {before}: "
            "rescoring every exchange."
        )


def home_vendor_rescore_if_changed() -> HomeVendorChange | None:
    """When the configured home vendor differs from the one the active model's scores were computed
    for, record the new one and a rescore run of everything (cause "home_vendor") in the same
    transaction; the worker's start and the beat call it. The row lock makes one caller of several
    do it; a rescore whose home vendor did not really change skips every exchange on its fingerprint."""
    with transaction.atomic():
        model = ScoringModel.objects.select_for_update().filter(is_active=True).first()
        if model is None or model.scored_for_home_vendor == settings.CRM_HOME_VENDOR:
            return None
        change = HomeVendorChange(model.scored_for_home_vendor, settings.CRM_HOME_VENDOR)
        model.scored_for_home_vendor = settings.CRM_HOME_VENDOR
        model.save(update_fields=["scored_for_home_vendor"])
        rescore_run_record(cause=ScoreCause.HOME_VENDOR)
    logger.warning("%s", change)
    return change
