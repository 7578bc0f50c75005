"""Reading a delta from Salesforce: REST queryAll pages, or one Bulk API 2.0 query job read in sets,
each record given as one flat row whichever way it came (a relationship field as "Owner.Email"), and
how far each page lets the cursor move."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass

from leads.salesforce.client import SalesforceClient, SalesforceError
from leads.salesforce.conf import SalesforceSettings
from leads.salesforce.mapping import ACCOUNT, EXTERNAL_ID_FIELD
from leads.salesforce.models import SyncRun
from leads.salesforce.pulling.records import (
    BASE_FIELDS,
    BULK_DONE_STATES,
    OPPORTUNITY,
    SYSTEM_FIELDS,
    _instant,
)


def soql_datetime(moment: datetime.datetime) -> str:
    """A SOQL datetime literal: 2026-12-01T09:30:00.123Z."""
    moment = moment.astimezone(datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _csv_value(text: str):
    """Bulk query CSV cells are text: empty is null, true/false are booleans; numbers and dates stay
    text here and are read by the field they belong to, as REST values are."""
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    return text


def page_stamps(page: list[dict]) -> list[datetime.datetime]:
    return [s for s in (_instant(r.get("SystemModstamp")) for r in page) if s is not None]


def safe_cursor(page: list[dict], *, is_last: bool) -> datetime.datetime | None:
    """How far a page lets the cursor move: to its last record on the last page; else to the newest
    stamp strictly before the last record's, so records sharing that stamp on the next page are read
    again (applying a record twice changes nothing) rather than skipped."""
    stamps = page_stamps(page)
    if not stamps:
        return None
    if is_last:
        return stamps[-1]
    earlier = [s for s in stamps if s < stamps[-1]]
    return earlier[-1] if earlier else None


@dataclass
class Reader:
    client: SalesforceClient
    config: SalesforceSettings
    run: SyncRun

    def pages(self, soql: str, count: int, fields: list[str]) -> Iterator[tuple[list[dict], bool]]:
        """(records, is_last_page) for the query of these fields, by REST queryAll pages (in the query's
        order) or one Bulk API 2.0 job (its sets in no order). Either way a record is a row keyed by
        the fields as the query names them: REST's nested parent ("Owner": {..., "Email": ...} or null)
        becomes "Owner.Email", as the Bulk CSV's column is named."""
        if count > self.config.pull_bulk_threshold:
            yield from self._bulk_pages(soql)
            return
        for page, is_last in self.client.query_pages_ending(soql, include_deleted=True):
            yield [_row(record, fields) for record in page], is_last

    def _bulk_pages(self, soql: str) -> Iterator[tuple[list[dict], bool]]:
        client = self.client
        job = client.bulk_query_create(soql, include_deleted=True)
        self.run.bulk_jobs += 1
        client.events.append(f"Bulk query job {job['id']}: {soql}")
        info, waited = job, 0.0
        while info.get("state") not in BULK_DONE_STATES:
            if waited >= self.config.bulk_max_wait_seconds:
                raise SalesforceError(f"Bulk query job {job['id']} still {info.get('state')} after {waited:.0f} s.")
            client.sleep(self.config.bulk_poll_seconds)
            waited += self.config.bulk_poll_seconds
            info = client.bulk_query_info(job["id"])
        if info["state"] != "JobComplete":
            raise SalesforceError(f"Bulk query job {job['id']} ended {info['state']}: {info.get('errorMessage', '')}")
        locator = ""
        while True:
            text, locator = client.bulk_query_results(
                job["id"], locator=locator, max_records=self.config.pull_bulk_page_records
            )
            rows = [{k: _csv_value(v) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]
            yield rows, not locator
            if not locator:
                return


def _row(record: dict, fields: list[str]) -> dict:
    """A REST record keyed by the query's field names: "Owner.Email" is the Email inside its Owner
    object (None when Salesforce answers "Owner": null)."""
    row = {}
    for name in fields:
        value = record
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        row[name] = value
    return row


def _fields_of(object_name: str, describe: dict, config: SalesforceSettings) -> list[str]:
    """The fields the pull asks for that the org's describe() has; a relationship field ("Owner.Email")
    when the object has the reference it walks (OwnerId, relationshipName Owner): the parent's field
    (User.Email) is a standard one every org has."""
    known = {f["name"] for f in describe.get("fields", [])} | {"Id", "IsDeleted", "SystemModstamp"}
    relationships = {f["relationshipName"] for f in describe.get("fields", []) if f.get("relationshipName")}
    wanted = [*SYSTEM_FIELDS, *BASE_FIELDS[object_name]]
    if object_name == OPPORTUNITY:
        wanted.append("CreatedDate")
        # The competitor fields, when the org has them (custom fields an admin adds).
        wanted += [name for name in (config.lost_to_field, config.lost_reason_field) if name]
    if object_name == ACCOUNT:
        wanted.append(EXTERNAL_ID_FIELD)
    return [
        name
        for name in dict.fromkeys(wanted)
        if (name.partition(".")[0] in relationships if "." in name else name in known)
    ]
