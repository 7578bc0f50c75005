"""Celery tasks of the cloud footprint: one exchange on demand, every exchange weekly (beat)."""

from celery import shared_task

from crm.models import Exchange
from intel.technographics.resolver import default_resolver
from intel.technographics.services import exchange_clouds_detect


@shared_task(name="technographics.detect_clouds", acks_late=True)
def detect_clouds_task(exchange_id: int) -> None:
    """Check one exchange's hosts. Idempotent: a second run with the same answers writes the same
    verdict and no allocation (only a new dated run row)."""
    if not Exchange.objects.filter(pk=exchange_id).exists():
        return  # deleted since it was queued
    exchange_clouds_detect(exchange_id=exchange_id, resolver=default_resolver())


@shared_task(name="technographics.detect_clouds_weekly", acks_late=True)
def detect_clouds_weekly_task() -> None:
    """Queue one check per exchange (ids only; each is its own task, so one slow exchange delays
    no other and a killed worker loses at most one)."""
    for exchange_id in Exchange.objects.order_by("pk").values_list("pk", flat=True):
        detect_clouds_task.delay(exchange_id)
