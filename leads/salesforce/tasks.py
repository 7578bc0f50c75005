"""The sync on Celery beat (every SALESFORCE_SYNC_MINUTES, 5 by default, so a score change reaches
Salesforce well within the 15-minute freshness target)."""

from __future__ import annotations

import logging

from celery import shared_task

from leads.salesforce.conf import salesforce_settings
from leads.salesforce.services import salesforce_pull, salesforce_sync

logger = logging.getLogger(__name__)


@shared_task(name="salesforce.sync", acks_late=True, ignore_result=True)
def sync_salesforce_task(full: bool = False) -> str:
    """Run one sync. Idempotent: a second delivery finds the lock taken or nothing left to send.
    Limits and outages are not retried here: the run records them, and the next beat (or, after an
    API limit, the first beat after the pause) carries on from what Salesforce had not confirmed."""
    if not salesforce_settings().is_configured:
        logger.info("Salesforce is not configured; nothing to do.")
        return "not_configured"
    outcome = salesforce_sync(full=full)
    logger.info("Salesforce sync: %s %s", outcome.status, outcome.message)
    return outcome.status


@shared_task(name="salesforce.pull", acks_late=True, ignore_result=True)
def pull_salesforce_task() -> str:
    """Read back what changed in Salesforce (every SALESFORCE_PULL_MINUTES, 15 by default). Idempotent:
    a second delivery finds the lock taken or nothing changed after the cursors."""
    if not salesforce_settings().is_configured:
        logger.info("Salesforce is not configured; nothing to read.")
        return "not_configured"
    outcome = salesforce_pull()
    logger.info("Salesforce pull: %s %s", outcome.status, outcome.message)
    return outcome.status
