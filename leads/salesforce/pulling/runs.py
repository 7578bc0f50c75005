"""A pull: each object's delta read page by page and applied, the page and the cursor in one transaction;
what is refused or held is booked as a PullIssue, and what was held for an account is applied once it is
matched."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from crm.models import CloudVendor, Exchange
from leads.models import Opportunity
from leads.salesforce.client import SalesforceClient
from leads.salesforce.conf import SalesforceSettings
from leads.salesforce.mapping import ACCOUNT
from leads.salesforce.models import PullCursor, PullIssue, SyncRun
from leads.salesforce.pulling.accounts import AccountApplier
from leads.salesforce.pulling.contacts import ContactApplier
from leads.salesforce.pulling.opportunities import OpportunityApplier, owners_by_email
from leads.salesforce.pulling.reading import Reader, _fields_of, page_stamps, safe_cursor, soql_datetime
from leads.salesforce.pulling.records import (
    CONTACT,
    OPPORTUNITY,
    PULLED_OBJECTS,
    Held,
    ObjectTally,
    PullReport,
    Refused,
)
from leads.salesforce.sending import describes_load


@dataclass
class Applier(AccountApplier, ContactApplier, OpportunityApplier):
    """Applies one pull's records, object by object; holds what the pull learnt of accounts and exchanges."""

    run: SyncRun
    report: PullReport
    config: SalesforceSettings
    _matcher: object | None = None
    _vendors: dict[str, CloudVendor] | None = None
    # Per pull: an account's (exchange id, status, deleted, name), and the exchanges met. Accounts are
    # applied before contacts and opportunities, so these are read after the accounts changed.
    _accounts: dict[str, tuple | None] = field(default_factory=dict)
    _exchanges: dict[int, Exchange] = field(default_factory=dict)
    # Accounts matched to an exchange by this pull: what was held for them is applied after the accounts.
    matched_now: list[str] = field(default_factory=list)


def _cursor_of(object_name: str) -> datetime.datetime | None:
    cursor = PullCursor.objects.filter(object_name=object_name).first()
    return cursor.modstamp if cursor else None


def _where(cursor: datetime.datetime | None) -> str:
    return f" WHERE SystemModstamp > {soql_datetime(cursor)}" if cursor else ""


def pull_objects(
    *,
    client: SalesforceClient,
    config: SalesforceSettings,
    run: SyncRun,
    report: PullReport,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Read and apply each object's delta; raises the client's errors (the caller books them)."""
    applier = Applier(run=run, report=report, config=config)
    reader = Reader(client=client, config=config, run=run)
    for object_name in PULLED_OBJECTS:
        tally = report.tallies[object_name]
        cursor = _cursor_of(object_name)
        count = client.query_count(f"SELECT COUNT() FROM {object_name}{_where(cursor)}", include_deleted=True)
        if not count:
            continue
        tally.way = "a Bulk API 2.0 query job" if count > config.pull_bulk_threshold else "REST queryAll pages"
        describe = describes_load(client, [object_name], cache_seconds=config.describe_cache_seconds)[object_name]
        fields = _fields_of(object_name, describe, config)
        soql = f"SELECT {', '.join(fields)} FROM {object_name}{_where(cursor)}"
        bulk = count > config.pull_bulk_threshold
        if not bulk:
            soql += " ORDER BY SystemModstamp, Id"
        newest: datetime.datetime | None = None
        for page, is_last in reader.pages(soql, count, fields):
            with transaction.atomic():
                _apply_page(object_name, page, applier, tally, report, run)
                if bulk:
                    # Bulk API 2.0 takes no ORDER BY (it would stop the org chunking the job): its sets
                    # come in no order, so the cursor moves once, to the newest stamp, after the last set.
                    # A job interrupted between sets is read again whole; applying twice changes nothing.
                    newest = max([*page_stamps(page), *([newest] if newest else [])], default=None)
                    moved_to = newest if is_last else None
                else:
                    moved_to = safe_cursor(page, is_last=is_last)
                if moved_to is not None:
                    PullCursor.objects.update_or_create(object_name=object_name, defaults={"modstamp": moved_to})
            tally.read += len(page)
            if progress:
                progress(object_name, tally.read, count)
        if object_name == ACCOUNT and applier.matched_now:
            # An account matched only now (its website changed, its exchange was added): the contacts
            # and opportunities held for it earlier are applied before this pull reads theirs.
            held_apply(applier.matched_now, applier, report, run)


def _apply_page(
    object_name: str, page: list[dict], applier: Applier, tally: ObjectTally, report: PullReport, run: SyncRun
) -> None:
    existing: dict[str, Opportunity] = {}
    owners: dict[str, list] = {}
    if object_name == OPPORTUNITY:
        existing = {
            o.salesforce_id: o
            for o in Opportunity.objects.filter(salesforce_id__in=[r["Id"] for r in page]).select_related("exchange")
        }
        owners = owners_by_email(page)
    applied: list[str] = []
    now = timezone.now()
    for record in page:
        try:
            if object_name == OPPORTUNITY:
                # opportunity_create/_update are atomic themselves and validate before they write
                # (a move to another account runs in their transaction too): applied whole or not at all.
                applier.opportunity(record, tally, existing.get(record["Id"]), owners)
            else:
                with transaction.atomic():  # a record is applied whole or not at all
                    if object_name == ACCOUNT:
                        applier.account(record, tally)
                    else:
                        applier.contact(record, tally)
            applied.append(record["Id"])
        except Refused as refusal:
            tally.refused += 1
            _issue(object_name, record, PullIssue.Kind.REFUSED, refusal.field_name, refusal.message, "", run)
            report.refusals.append(f"{object_name} {record['Id']}: {refusal.field_name}: {refusal.message}")
        except Held as held:
            tally.held += 1
            _issue(object_name, record, PullIssue.Kind.HELD, "AccountId", held.message, held.account_id, run)
    if applied:
        PullIssue.objects.filter(object_name=object_name, salesforce_id__in=applied, resolved_at__isnull=True).update(
            resolved_at=now
        )


def _issue(object_name, record, kind, field_name, message, account_id, run) -> None:
    PullIssue.objects.update_or_create(
        object_name=object_name,
        salesforce_id=record["Id"],
        resolved_at=None,
        defaults={
            "kind": kind,
            "field_name": field_name,
            "message": message,
            "account_salesforce_id": account_id or (record.get("AccountId") or ""),
            "record": {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in record.items()},
            "run": run,
        },
    )


def held_apply(account_ids: list[str], applier: Applier, report: PullReport, run: SyncRun | None) -> None:
    """Apply the contacts and opportunities held for these accounts (now matched), contacts first."""
    held = PullIssue.objects.filter(
        kind=PullIssue.Kind.HELD, account_salesforce_id__in=account_ids, resolved_at__isnull=True
    ).order_by("pk")
    for object_name in (CONTACT, OPPORTUNITY):
        records = [issue.record for issue in held.filter(object_name=object_name)]
        if records:
            tally, released = report.tallies[object_name], ObjectTally()
            with transaction.atomic():
                _apply_page(object_name, records, applier, released, report, run)
            tally.from_held += released.applied
            tally.refused += released.refused
            tally.held += released.held
            tally.owners_not_found += released.owners_not_found
