"""Running a sync: take the lock, collect what changed since the last run, check the field map against
the org, send, and record the run for the manager.

Delta only: score changes after the ScoreChange cursor, follow-ups changed since the follow-up cursor
and win predictions added after the WinPrediction cursor (of opportunities from Salesforce) mark their
records pending, in the same transaction that advances the cursors; a record then
stays pending until Salesforce confirms it. A run killed half-way loses nothing: the next one sends
what was not confirmed. Nothing to send means no API call at all."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from leads.models import FollowUp, Score, ScoreChange, WinPrediction
from leads.pipeline_training import win_model_current
from leads.salesforce import sources
from leads.salesforce.auth import SalesforceAuthError
from leads.salesforce.client import (
    SalesforceClient,
    SalesforceError,
    SalesforceLimitError,
    SalesforceUnavailable,
)
from leads.salesforce.conf import SalesforceSettings, salesforce_settings
from leads.salesforce.lock import (
    SyncOutcome,
    limit_pause_seconds,
    pause_words,
    run_begin,
    sync_lock_release,
    sync_lock_renew,
    sync_state,
)
from leads.salesforce.mapping import (
    ACCOUNT,
    CAMPAIGN,
    KEY,
    LEAD,
    MAPPED_OBJECTS,
    MEMBER,
    MEMBER_STATUS,
    OPPORTUNITY,
    SOURCES,
    FieldMap,
    FieldMapError,
    FieldSpec,
    field_map_build,
    field_map_validate,
    record_build,
)
from leads.salesforce.models import FieldMapping, SyncRecord, SyncRun, SyncState
from leads.salesforce.sending import (
    Plan,
    Sender,
    calls_estimate,
    describes_load,
    opportunities_held,
    plan_build,
    uses_bulk,
)

logger = logging.getLogger(__name__)

# Follow-ups are collected by their updated_at; a transaction that commits late can carry an older
# timestamp, so each run looks this far back again. Re-marked records whose payload Salesforce
# already has are confirmed without a call.
FOLLOW_UP_OVERLAP = datetime.timedelta(minutes=5)
MARK_BATCH = 2000  # keys per query when marking records pending (well under SQLite's variable limit)
RUN_LOG_LINES = 200  # the run keeps the first lines of what happened; counters keep the totals


def field_map_current() -> FieldMap:
    return field_map_build(list(FieldMapping.objects.values_list("object_name", "source", "salesforce_field")))


# -- collecting the delta -------------------------------------------------------------------------


def _mark(object_name: str, sources_by_key: dict[str, int], *, now: datetime.datetime, only_new: bool = False) -> int:
    """Mark these records pending (creating their rows on first sight); returns how many."""
    keys = sorted(sources_by_key)
    for start in range(0, len(keys), MARK_BATCH):
        batch = keys[start : start + MARK_BATCH]
        existing = dict(
            SyncRecord.objects.filter(object_name=object_name, key__in=batch).values_list("key", "source_id")
        )
        if not only_new:
            SyncRecord.objects.filter(object_name=object_name, key__in=batch).update(
                state=SyncRecord.State.PENDING, changed_at=now
            )
            moved = [key for key, source_id in existing.items() if source_id != sources_by_key[key]]
            for key in moved:
                SyncRecord.objects.filter(object_name=object_name, key=key).update(source_id=sources_by_key[key])
        SyncRecord.objects.bulk_create(
            [
                SyncRecord(object_name=object_name, key=key, source_id=sources_by_key[key], changed_at=now)
                for key in batch
                if key not in existing
            ]
        )
    return len(keys)


@transaction.atomic
def sync_changes_collect(*, full: bool, now: datetime.datetime) -> dict[str, int]:
    """Mark pending what changed since the last run and advance the cursors, in one transaction."""
    state = SyncState.objects.select_for_update().get(pk=1)
    if full:
        exchange_ids = set(Score.objects.values_list("exchange_id", flat=True))
        follow_up_rows = FollowUp.objects.all()
    else:
        exchange_ids = set(
            ScoreChange.objects.filter(pk__gt=state.score_change_cursor).values_list("exchange_id", flat=True)
        )
        follow_up_rows = FollowUp.objects.all()
        if state.follow_up_cursor is not None:
            follow_up_rows = follow_up_rows.filter(updated_at__gt=state.follow_up_cursor - FOLLOW_UP_OVERLAP)
    score_cursor = ScoreChange.objects.aggregate(last=Max("pk"))["last"] or 0
    # A new model version adds a prediction per open opportunity; one never rewrites another. Only the
    # current version's count (what Salesforce is shown): a deal it did not predict (closed since)
    # keeps there the likelihood it was last sent.
    predictions = WinPrediction.objects.filter(model=win_model_current())
    if not full:
        predictions = predictions.filter(pk__gt=state.win_prediction_cursor)
    prediction_cursor = WinPrediction.objects.aggregate(last=Max("pk"))["last"] or 0
    follow_up_ids = list(follow_up_rows.values_list("pk", flat=True))
    follow_up_cursor = FollowUp.objects.aggregate(last=Max("updated_at"))["last"]

    people = sources.people(follow_up_ids)
    # The latest follow-up of a person stands for them (a person met at two events is one Lead).
    leads = {
        p.key: p.follow_up_id
        for p in sorted(people.values(), key=lambda p: p.follow_up_id)
        if not p.contact_salesforce_id
    }
    members = {p.member_key: p.follow_up_id for p in sorted(people.values(), key=lambda p: p.follow_up_id)}
    event_ids = {p.event_id for p in people.values()}
    counts = {
        ACCOUNT: _mark(ACCOUNT, {sources.exchange_key(pk): pk for pk in exchange_ids}, now=now),
        CAMPAIGN: _mark(CAMPAIGN, {sources.event_key(pk): pk for pk in event_ids}, now=now),
        LEAD: _mark(LEAD, leads, now=now),
        MEMBER: _mark(MEMBER, members, now=now),
        # A campaign's member statuses are set up once: rows that exist are left as they are,
        # unless everything is resent.
        MEMBER_STATUS: _mark(
            MEMBER_STATUS,
            {f"{sources.event_key(pk)}/{status[0]}": pk for pk in event_ids for status in sources.MEMBER_STATUSES},
            now=now,
            only_new=not full,
        ),
        # Keyed by their Salesforce id: only opportunities that came from Salesforce are written to.
        OPPORTUNITY: _mark(
            OPPORTUNITY, sources.opportunities_from_salesforce(predictions.values("opportunity_id")), now=now
        ),
    }
    state.score_change_cursor = max(state.score_change_cursor, score_cursor)
    state.win_prediction_cursor = max(state.win_prediction_cursor, prediction_cursor)
    if follow_up_cursor is not None:
        state.follow_up_cursor = follow_up_cursor
    state.save(update_fields=["score_change_cursor", "follow_up_cursor", "win_prediction_cursor"])
    return counts


# -- a run ------------------------------------------------------------------------------------------


def _plan_lines(plan: Plan, field_map: FieldMap, config: SalesforceSettings) -> list[str]:
    estimate = calls_estimate(plan, bulk_threshold=config.bulk_threshold)
    lines = []
    for object_name in (*MAPPED_OBJECTS, MEMBER_STATUS):
        items = plan.items.get(object_name, [])
        if not items:
            continue
        way = (
            "a Bulk API 2.0 job" if uses_bulk(object_name, len(items), config.bulk_threshold) else "sObject Collections"
        )
        lines.append(f"{object_name}: {len(items)} records via {way}, {estimate[object_name]} calls")
        if object_name in field_map:
            specs = [FieldSpec(s, f, SOURCES[object_name][s].kind) for s, f in field_map[object_name].items()]
            lines.append(f"  first: {json.dumps(record_build(specs, items[0].values), ensure_ascii=False)}")
    lines.append(
        f"Total: {sum(len(i) for i in plan.items.values())} records, {sum(estimate.values())} API calls "
        f"({estimate.get('describe', 0)} describe); {plan.settled} unchanged records need no call."
    )
    return lines


def salesforce_sync(
    *,
    full: bool = False,
    dry_run: bool = False,
    force: bool = False,
    verify: bool = False,
    client: SalesforceClient | None = None,
    config: SalesforceSettings | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> SyncOutcome:
    """Run one sync (or, with dry_run, say what it would send and what it would cost, changing nothing).
    `full` resends everything the org should have, whatever it confirmed before (after a sandbox
    refresh or a mass delete); `verify` first reads the org's external ids and resends only what it
    lacks; `force` runs during a pause after an API limit."""
    config = config or salesforce_settings()
    now = timezone.now()
    field_map = field_map_current()
    if dry_run:
        with transaction.atomic():
            sync_state()
            sync_changes_collect(full=full, now=now)
            plan = plan_build(field_map=field_map, now=now, resend=full)
            if plan.is_empty:
                lines = [f"Nothing to send: 0 API calls ({plan.settled} unchanged records need no call)."]
            else:
                lines = _plan_lines(plan, field_map, config)
            transaction.set_rollback(True)
        return SyncOutcome(status="dry_run", message=lines[-1], plan_lines=lines)

    holder, refused = run_begin(
        now=now,
        force=force,
        config=config,
        waiting="nothing was sent (--force sends now).",
        locked="Another sync is running; this one did not start.",
    )
    if refused is not None:
        return refused
    run = SyncRun.objects.create(started_at=now, is_full=full)
    try:
        SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exclude(pk=run.pk).update(
            status=SyncRun.Status.INTERRUPTED,
            message="Stopped before it finished; the next run sent what it had not confirmed.",
        )
        return _run(
            run=run,
            full=full,
            verify=verify,
            field_map=field_map,
            config=config,
            client=client,
            holder=holder,
            progress=progress,
        )
    finally:
        sync_lock_release(holder=holder)


def _run(
    *,
    run: SyncRun,
    full: bool,
    verify: bool,
    field_map: FieldMap,
    config: SalesforceSettings,
    client: SalesforceClient | None,
    holder: str,
    progress: Callable[[str, int, int], None] | None,
) -> SyncOutcome:
    Status = SyncRun.Status
    verified = ""
    if verify:
        client = client or SalesforceClient.from_settings(config)
        try:
            missing = sync_records_verify(client=client, field_map=field_map)
        except (SalesforceAuthError, SalesforceError) as error:
            return _finish(run, client, Status.FAILED, f"Could not read the org's records to verify: {error}")
        verified = "Verified against the org: " + (
            ", ".join(f"{name} {count} missing or moved" for name, count in missing.items() if count)
            or "nothing missing"
        )
    sync_changes_collect(full=full, now=run.started_at)
    plan = plan_build(field_map=field_map, now=run.started_at, resend=full)
    if plan.is_empty:
        message = f"Nothing to send ({plan.settled} records unchanged)."
        return _finish(run, client, Status.SUCCEEDED, f"{verified}. {message}" if verified else message)
    client = client or SalesforceClient.from_settings(config)
    status, message = Status.SUCCEEDED, ""
    try:
        mapped = [name for name in MAPPED_OBJECTS if plan.items.get(name)]
        describes = describes_load(client, mapped, cache_seconds=config.describe_cache_seconds)
        # The win likelihood on Salesforce's Opportunities needs fields an org admin adds: without them
        # that part stops (its records stay pending) and the rest is sent.
        opportunity_problem, specs = _opportunity_specs(field_map, describes.pop(OPPORTUNITY, None), plan)
        specs |= field_map_validate(field_map, describes)

        def on_chunk(object_name: str, size: int, sent: int) -> None:
            sync_lock_renew(holder=holder, seconds=config.lock_seconds)
            if progress:
                progress(object_name, size, sent)

        sender = Sender(client=client, config=config, run=run, field_map=field_map, specs=specs, on_chunk=on_chunk)
        sender.send(plan)
        opportunity_problem = opportunity_problem or sender.stopped
        if run.records_failed or run.records_to_retry:
            status = Status.PARTIAL
            message = f"{run.records_failed} records refused by Salesforce, {run.records_to_retry} to retry."
        if opportunity_problem:
            status = Status.PARTIAL
            message = f"{message} {opportunity_problem}".strip()
    except FieldMapError as error:
        status, message = Status.FAILED, f"{error} Nothing was sent."
    except SalesforceLimitError as error:
        pause = limit_pause_seconds(error, config)
        resume_after = timezone.now() + datetime.timedelta(seconds=pause)
        SyncState.objects.filter(pk=1).update(resume_after=resume_after)
        status, message = Status.LIMITED, f"{error} {pause_words(error, pause, resume_after)}"
    except SalesforceUnavailable as error:
        status, message = Status.INTERRUPTED, f"Salesforce unavailable: {error}. Unconfirmed records stay pending."
    except (SalesforceAuthError, SalesforceError) as error:
        status, message = Status.FAILED, str(error)
    except BaseException as error:
        _finish(run, client, Status.FAILED, f"{type(error).__name__}: {error}")
        raise
    if verified:
        message = f"{verified}. {message}".strip()
    return _finish(run, client, status, message)


def _opportunity_specs(
    field_map: FieldMap, describe: dict | None, plan: Plan
) -> tuple[str, dict[str, list[FieldSpec]]]:
    """The Opportunity field specs, or (when the org lacks a field or it does not fit) the message
    naming it, with the opportunities taken out of the plan: they stay pending for a later run."""
    if describe is None:
        return "", {}
    try:
        return "", field_map_validate(field_map, {OPPORTUNITY: describe})
    except FieldMapError as error:
        held = plan.items.pop(OPPORTUNITY, [])
        return f"{error}. {opportunities_held(len(held))}", {}


VERIFIED_OBJECTS = (ACCOUNT, CAMPAIGN, LEAD, MEMBER)


def sync_records_verify(*, client: SalesforceClient, field_map: FieldMap) -> dict[str, int]:
    """Compare the org's external ids with what the product believes it confirmed, and mark pending
    (to be resent) every confirmed record the org no longer has, or has under another id; a missing
    campaign takes its member statuses with it. Returns, per object, how many were marked."""
    marked: dict[str, int] = {}
    for object_name in VERIFIED_OBJECTS:
        key_field = field_map.get(object_name, {}).get(KEY)
        confirmed = SyncRecord.objects.filter(object_name=object_name, state=SyncRecord.State.CONFIRMED)
        if not key_field or not confirmed.exists():
            marked[object_name] = 0
            continue
        in_org: dict[str, str] = {}
        for page in client.query_pages(f"SELECT Id, {key_field} FROM {object_name} WHERE {key_field} != null"):
            in_org.update((r[key_field], r["Id"]) for r in page)
        lost = [
            pk for pk, key, sf_id in confirmed.values_list("pk", "key", "salesforce_id") if in_org.get(key) != sf_id
        ]
        keys = []
        for start in range(0, len(lost), MARK_BATCH):
            batch = SyncRecord.objects.filter(pk__in=lost[start : start + MARK_BATCH])
            if object_name == CAMPAIGN:
                keys.extend(batch.values_list("key", flat=True))
            batch.update(state=SyncRecord.State.PENDING, salesforce_id="", payload_hash="", changed_at=timezone.now())
        for key in keys:
            SyncRecord.objects.filter(object_name=MEMBER_STATUS, key__startswith=f"{key}/").update(
                state=SyncRecord.State.PENDING, salesforce_id="", payload_hash="", changed_at=timezone.now()
            )
        marked[object_name] = len(lost)
    return marked


def _finish(run: SyncRun, client: SalesforceClient | None, status: str, message: str) -> SyncOutcome:
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    if client is not None:
        run.calls_used = client.calls
        run.retries = client.retries
        run.log = [*run.log, *client.events][:RUN_LOG_LINES]
        if client.usage is not None:
            run.api_usage, run.api_limit = client.usage.used, client.usage.limit
    run.save()
    if status in (SyncRun.Status.FAILED, SyncRun.Status.LIMITED, SyncRun.Status.INTERRUPTED):
        logger.warning("Salesforce sync %s: %s", status, message)
    return SyncOutcome(status=status, message=message, run=run)


def sync_status() -> dict[str, Any]:
    """What a manager asks: the last run, what it sent and cost, and what Salesforce refused."""
    last = SyncRun.objects.exclude(status=SyncRun.Status.RUNNING).first()
    return {
        "last_run": last,
        "failed_records": SyncRecord.objects.filter(state=SyncRecord.State.FAILED).count(),
        "pending_records": SyncRecord.objects.filter(
            state__in=[SyncRecord.State.PENDING, SyncRecord.State.RETRY]
        ).count(),
    }


# -- reading back (sync_salesforce --pull) ------------------------------------------------------------


def salesforce_pull(
    *,
    force: bool = False,
    client: SalesforceClient | None = None,
    config: SalesforceSettings | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> SyncOutcome:
    """Read back what changed in Salesforce since the last pull (leads.salesforce.pulling): Accounts
    matched to exchanges, Contacts and Opportunities, deletions included. Shares the push's lock, its
    pause after an API limit (`force` runs during it) and its run records (is_pull)."""
    from leads.salesforce.pulling import PullReport, pull_objects

    config = config or salesforce_settings()
    now = timezone.now()
    holder, refused = run_begin(
        now=now,
        force=force,
        config=config,
        waiting="nothing was read (--force reads now).",
        locked="Another sync is running; this pull did not start.",
        kind=":pull",
    )
    if refused is not None:
        return refused
    run = SyncRun.objects.create(started_at=now, is_pull=True)
    report = PullReport()
    Status = SyncRun.Status
    try:
        client = client or SalesforceClient.from_settings(config)

        def on_page(object_name: str, read: int, total: int) -> None:
            sync_lock_renew(holder=holder, seconds=config.lock_seconds)
            if progress:
                progress(object_name, read, total)

        status, message = Status.SUCCEEDED, ""
        try:
            pull_objects(client=client, config=config, run=run, report=report, progress=on_page)
        except SalesforceLimitError as error:
            pause = limit_pause_seconds(error, config)
            resume_after = timezone.now() + datetime.timedelta(seconds=pause)
            SyncState.objects.filter(pk=1).update(resume_after=resume_after)
            status, message = Status.LIMITED, f"{error} {pause_words(error, pause, resume_after)}"
        except SalesforceUnavailable as error:
            status, message = (
                Status.INTERRUPTED,
                f"Salesforce unavailable: {error}. The next pull resumes after the last page applied.",
            )
        except (SalesforceAuthError, SalesforceError) as error:
            status, message = Status.FAILED, str(error)
        tallies = report.tallies.values()
        run.records_read = sum(t.read for t in tallies)
        run.records_applied = sum(t.applied + t.from_held for t in tallies)
        run.records_deleted = sum(t.deleted for t in tallies)
        run.records_skipped = sum(t.refused + t.held for t in tallies)
        run.log = [*report.lines(), *report.owner_lines(), *report.refusals][:RUN_LOG_LINES]
        if status == Status.SUCCEEDED and any(t.refused for t in tallies):
            status = Status.PARTIAL
        summary = " ".join(report.lines())
        message = f"{message} {summary}".strip() if message else summary
        outcome = _finish(run, client, status, message)
        outcome.plan_lines = [
            *report.lines(),
            *(f"  {line}" for line in report.owner_lines()),
            *(f"  refused: {line}" for line in report.refusals),
        ]
        return outcome
    except BaseException as error:
        _finish(run, client, Status.FAILED, f"{type(error).__name__}: {error}")
        raise
    finally:
        sync_lock_release(holder=holder)
