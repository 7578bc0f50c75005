"""Reading back from Salesforce (sync_salesforce --pull): Accounts, Contacts and Opportunities changed
since the last pull, by delta.

Per object, one `SELECT COUNT()` over queryAll says how many records moved after the object's
SystemModstamp cursor (deletions included: queryAll answers the recycle bin with IsDeleted true). None:
nothing more is asked. Up to SALESFORCE_PULL_BULK_THRESHOLD: REST queryAll pages (nextRecordsUrl).
Above: one Bulk API 2.0 queryAll job, its CSV results read in sets (Sforce-Locator). Records come in
SystemModstamp order (REST; a Bulk job's sets come in no order, as Bulk API 2.0 takes no ORDER BY, so its
cursor moves after its last set); each page is applied in one transaction with the cursor, so a run
that stops half-way resumes after the last page it applied. Every call goes through the push's client: the same
timeouts, retries, budget share and pause after an API limit.

Who owns what (the README's rule, applied here):
- Salesforce owns opportunities (name, stage, amount, probability, close date, won/lost, the rival and
  the reason) once they come from Salesforce: its newer record overwrites the product's copy; a stage
  the product changed meanwhile stays in the stage history, Salesforce's stage is recorded after it.
  An opportunity deleted in Salesforce is deleted here.
- Salesforce owns the link between an Account and an exchange it matched, and a contact's name, title,
  email and phone; a contact deleted in Salesforce keeps living here, unlinked.
- The product owns exchanges (name, website, stage, owner), scores, grades, reasons, sizes, evidence,
  a contact's role, notes and do-not-contact flag, and an opportunity's workloads: none of them is
  read from Salesforce, whatever an org user typed into the Intel_* fields.

A record that fails validation is refused whole (listed with the Salesforce field at fault, nothing of
it applied); one whose account awaits a manager's review is held and applied when the account is decided."""

from __future__ import annotations

import csv
import datetime
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from crm.models import CloudVendor, Contact, Exchange
from crm.services import contact_save
from intel.choices import MatchMethod, MatchStatus
from intel.queries import matcher_load
from leads.choices import OpportunitySource, OpportunityStage
from leads.models import Opportunity
from leads.pipeline_stages import stage_from_salesforce
from leads.salesforce.client import SalesforceClient, SalesforceError
from leads.salesforce.conf import SalesforceSettings
from leads.salesforce.mapping import ACCOUNT, EXTERNAL_ID_FIELD
from leads.salesforce.models import PullCursor, PulledAccount, PullIssue, SyncRun
from leads.salesforce.sending import describes_load
from leads.services.opportunities import opportunity_create, opportunity_update

logger = logging.getLogger(__name__)

CONTACT = "Contact"
OPPORTUNITY = "Opportunity"
PULLED_OBJECTS = (ACCOUNT, CONTACT, OPPORTUNITY)  # parents before children
SYSTEM_FIELDS = ["Id", "IsDeleted", "SystemModstamp"]
BASE_FIELDS = {
    ACCOUNT: ["Name", "Website"],
    CONTACT: ["AccountId", "FirstName", "LastName", "Title", "Email", "Phone"],
    OPPORTUNITY: ["AccountId", "Name", "StageName", "IsClosed", "IsWon", "Amount", "Probability", "CloseDate"],
}
MATCH_METHOD_EXTERNAL_ID = "external_id"
MATCH_METHOD_SALESFORCE_ID = "salesforce_id"
BULK_DONE_STATES = ("JobComplete", "Failed", "Aborted")

# The product's field -> the Salesforce field a refusal names.
CONTACT_FIELDS = {
    "full_name": "LastName",
    "title": "Title",
    "email": "Email",
    "phone": "Phone",
    "exchange": "AccountId",
    "__all__": "Email",  # the one constraint across fields: one contact per email and exchange
}
OPPORTUNITY_FIELDS = {
    "name": "Name",
    "monthly_spend_usd": "Amount",
    "probability": "Probability",
    "stage": "StageName",
    "close_date": "CloseDate",
    "opened_at": "CreatedDate",
}


class Refused(Exception):
    """A record fails validation: the Salesforce field at fault and why."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field_name, self.message = field_name, message


class Held(Exception):
    """A record's account is not matched to an exchange yet (review, or no exchange found)."""

    def __init__(self, account_id: str, message: str):
        super().__init__(message)
        self.account_id, self.message = account_id, message


@dataclass
class ObjectTally:
    read: int = 0
    applied: int = 0
    deleted: int = 0
    refused: int = 0
    held: int = 0
    unchanged: int = 0
    to_review: int = 0
    unmatched: int = 0
    from_held: int = 0  # held records applied once their account was matched
    way: str = ""

    def line(self, object_name: str) -> str:
        noun = "record" if self.from_held == 1 else "records"
        released = f" {self.from_held} held {noun} applied, their account now matched." if self.from_held else ""
        if not self.read:
            return f"{object_name}: nothing changed.{released}"
        parts = [f"{self.applied} applied"]
        for count, words in (
            (self.deleted, "deletions applied"),
            (self.unchanged, "already up to date"),
            (self.to_review, "to review"),
            (self.unmatched, "matched to no exchange"),
            (self.refused, "refused"),
            (self.held, "held for their account's review"),
        ):
            if count:
                parts.append(f"{count} {words}")
        return f"{object_name}: {self.read} read via {self.way}; {', '.join(parts)}.{released}"


@dataclass
class PullReport:
    tallies: dict[str, ObjectTally] = field(default_factory=lambda: {name: ObjectTally() for name in PULLED_OBJECTS})
    refusals: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [self.tallies[name].line(name) for name in PULLED_OBJECTS]


# -- reading -----------------------------------------------------------------------------------------


def soql_datetime(moment: datetime.datetime) -> str:
    """A SOQL datetime literal: 2026-12-01T09:30:00.123Z."""
    moment = moment.astimezone(datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _instant(value) -> datetime.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value).replace("+0000", "+00:00"))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


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

    def pages(self, soql: str, count: int) -> Iterator[tuple[list[dict], bool]]:
        """(records, is_last_page) for the query, by REST queryAll pages (in the query's order) or one
        Bulk API 2.0 job (its sets in no order)."""
        if count > self.config.pull_bulk_threshold:
            yield from self._bulk_pages(soql)
            return
        yield from self.client.query_pages_ending(soql, include_deleted=True)

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


def _fields_of(object_name: str, describe: dict, config: SalesforceSettings) -> list[str]:
    known = {f["name"] for f in describe.get("fields", [])}
    wanted = [*SYSTEM_FIELDS, *BASE_FIELDS[object_name]]
    if object_name == OPPORTUNITY:
        wanted.append("CreatedDate")
        # The competitor fields, when the org has them (custom fields an admin adds).
        wanted += [name for name in (config.lost_to_field, config.lost_reason_field) if name]
    if object_name == ACCOUNT:
        wanted.append(EXTERNAL_ID_FIELD)
    return [name for name in dict.fromkeys(wanted) if name in known or name in ("Id", "IsDeleted", "SystemModstamp")]


# -- applying ---------------------------------------------------------------------------------------


@dataclass
class Applier:
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

    # accounts

    def matcher(self):
        if self._matcher is None:
            self._matcher = matcher_load()
        return self._matcher

    def account(self, record: dict, tally: ObjectTally) -> None:
        salesforce_id = record["Id"]
        self._accounts.pop(salesforce_id, None)
        pulled = PulledAccount.objects.filter(salesforce_id=salesforce_id).first() or PulledAccount(
            salesforce_id=salesforce_id
        )
        pulled.modstamp = _instant(record.get("SystemModstamp"))
        if record.get("IsDeleted"):
            pulled.is_deleted = True
            if pulled.pk:
                pulled.save()
                if pulled.exchange_id:
                    Exchange.objects.filter(pk=pulled.exchange_id, salesforce_account_id=salesforce_id).update(
                        salesforce_account_id=""
                    )
                tally.deleted += 1
            else:
                tally.unchanged += 1
            return
        name = (record.get("Name") or "").strip()
        if not name:
            raise Refused("Name", "An Account without a name cannot be matched to an exchange.")
        pulled.name, pulled.website = name[:255], (record.get("Website") or "")[:255]
        pulled.external_key = (record.get(EXTERNAL_ID_FIELD) or "")[:100]
        pulled.is_deleted = False
        was_matched = pulled.pk is not None and pulled.match_status == MatchStatus.MATCHED
        if pulled.reviewed_at is None:  # a manager's decision stands
            self._match(pulled)
        pulled.save()
        if pulled.match_status == MatchStatus.MATCHED and pulled.exchange_id:
            if not was_matched:
                self.matched_now.append(salesforce_id)
            Exchange.objects.filter(pk=pulled.exchange_id, salesforce_account_id="").update(
                salesforce_account_id=salesforce_id
            )
            tally.applied += 1
        elif pulled.match_status == MatchStatus.REVIEW:
            tally.to_review += 1
        else:
            tally.unmatched += 1

    def _match(self, pulled: PulledAccount) -> None:
        exchange_id = None
        key = pulled.external_key
        if key.startswith("exchange-") and key.removeprefix("exchange-").isdigit():
            exchange_id = Exchange.objects.filter(pk=int(key.removeprefix("exchange-"))).values_list("pk", flat=True)
            exchange_id = next(iter(exchange_id), None)
            method = MATCH_METHOD_EXTERNAL_ID
        if exchange_id is None:
            linked = list(
                Exchange.objects.filter(salesforce_account_id=pulled.salesforce_id).values_list("pk", flat=True)
            )
            exchange_id = linked[0] if len(linked) == 1 else None
            method = MATCH_METHOD_SALESFORCE_ID
        if exchange_id is not None:
            pulled.exchange_id, pulled.match_method, pulled.match_confidence = exchange_id, method, 100
            pulled.match_status, pulled.match_candidates = MatchStatus.MATCHED, []
            return
        result = self.matcher().match(company=pulled.name, website=pulled.website)
        pulled.exchange_id = result.exchange_id
        pulled.match_method, pulled.match_confidence = result.method, result.confidence
        pulled.match_status = result.status
        pulled.match_candidates = [c.as_dict() for c in result.candidates]
        if result.status != MatchStatus.MATCHED:
            if result.status != MatchStatus.REVIEW:
                pulled.exchange_id = None
            return
        # The exchange already stands for another Salesforce Account: a duplicate in the org, for a
        # manager to settle, never a silent second link.
        other = (
            Exchange.objects.filter(pk=result.exchange_id)
            .exclude(salesforce_account_id="")
            .exclude(salesforce_account_id=pulled.salesforce_id)
            .values_list("salesforce_account_id", flat=True)
            .first()
        )
        if other:
            pulled.match_status = MatchStatus.REVIEW
            pulled.match_candidates = [
                {**c, "note": f"already linked to Salesforce Account {other}"} for c in pulled.match_candidates
            ]

    def exchange_of(self, account_id: str | None) -> int:
        if not account_id:
            raise Refused("AccountId", "The record belongs to no Account, so to no exchange.")
        if account_id not in self._accounts:
            self._accounts[account_id] = (
                PulledAccount.objects.filter(salesforce_id=account_id)
                .values_list("exchange_id", "match_status", "is_deleted", "name")
                .first()
            )
        row = self._accounts[account_id]
        if row is None:
            raise Held(account_id, f"Its Account {account_id} has not been read yet.")
        exchange_id, status, is_deleted, name = row
        if status == MatchStatus.MATCHED and exchange_id and not is_deleted:
            return exchange_id
        if status == MatchStatus.REVIEW:
            raise Held(account_id, f"Its Account {name} ({account_id}) waits for a manager to choose the exchange.")
        raise Held(account_id, f"Its Account {name} ({account_id}) is matched to no exchange.")

    # contacts

    def contact(self, record: dict, tally: ObjectTally) -> None:
        salesforce_id = record["Id"]
        existing = Contact.objects.filter(salesforce_id=salesforce_id).first()
        if record.get("IsDeleted"):
            if existing is None:
                tally.unchanged += 1
                return
            existing.salesforce_id = ""
            existing.save(update_fields=["salesforce_id", "updated_at"])
            tally.deleted += 1
            return
        exchange_id = self.exchange_of(record.get("AccountId"))
        email = (record.get("Email") or "").strip()
        contact = existing
        if contact is None and email:
            contact = Contact.objects.filter(exchange_id=exchange_id, email__iexact=email, salesforce_id="").first()
        if contact is None:
            contact = Contact(exchange_id=exchange_id)
        full_name = " ".join(
            p for p in ((record.get("FirstName") or "").strip(), (record.get("LastName") or "").strip()) if p
        )
        if not (record.get("LastName") or "").strip():
            raise Refused("LastName", "A Contact needs a last name.")
        values = {
            "exchange_id": exchange_id,
            "full_name": full_name,
            "title": (record.get("Title") or "").strip(),
            "email": email,
            "phone": (record.get("Phone") or "").strip(),
            "salesforce_id": salesforce_id,
        }
        if contact.pk and all(getattr(contact, k) == v for k, v in values.items()):
            tally.unchanged += 1
            return
        for name, value in values.items():
            setattr(contact, name, value)
        try:
            contact_save(contact=contact)
        except ValidationError as error:
            raise _refusal(error, CONTACT_FIELDS) from error
        tally.applied += 1

    # opportunities

    def vendor(self, name: str) -> CloudVendor | None:
        if self._vendors is None:
            self._vendors = {}
            for vendor in CloudVendor.objects.all():
                self._vendors[vendor.name.casefold()] = vendor
                self._vendors[vendor.slug.casefold()] = vendor
        return self._vendors.get(name.strip().casefold())

    def opportunity(self, record: dict, tally: ObjectTally, existing: Opportunity | None) -> None:
        modstamp = _instant(record.get("SystemModstamp"))
        if record.get("IsDeleted"):
            if existing is None:
                tally.unchanged += 1
                return
            existing.delete()
            tally.deleted += 1
            return
        if (
            existing is not None
            and existing.salesforce_modstamp
            and modstamp
            and modstamp <= existing.salesforce_modstamp
        ):
            tally.unchanged += 1
            return
        exchange_id = self.exchange_of(record.get("AccountId"))
        fields = self._opportunity_fields(record)
        fields["salesforce_modstamp"] = modstamp
        try:
            if existing is None:
                if exchange_id not in self._exchanges:
                    self._exchanges[exchange_id] = Exchange.objects.get(pk=exchange_id)
                opportunity_create(
                    exchange=self._exchanges[exchange_id],
                    source=OpportunitySource.SALESFORCE,
                    changed_at=fields.get("opened_at"),
                    check_access=False,
                    salesforce_id=record["Id"],
                    **fields,
                )
            else:
                fields.pop("opened_at", None)  # the creation date never changes
                with transaction.atomic():
                    if existing.exchange_id != exchange_id:
                        # Moved to another Account in Salesforce: it follows (Salesforce owns it).
                        Opportunity.objects.filter(pk=existing.pk).update(exchange_id=exchange_id)
                    opportunity_update(
                        existing,
                        source=OpportunitySource.SALESFORCE,
                        changed_at=modstamp,
                        check_access=False,
                        **fields,
                    )
        except ValidationError as error:
            raise _refusal(error, OPPORTUNITY_FIELDS | {"lost_to": self.config.lost_to_field}) from error
        tally.applied += 1

    def _opportunity_fields(self, record: dict) -> dict:
        is_closed, is_won = _boolean(record.get("IsClosed")), _boolean(record.get("IsWon"))
        stage = stage_from_salesforce(record.get("StageName"), is_closed=is_closed, is_won=is_won)
        if stage is None:
            raise Refused("StageName", f"Stage {record.get('StageName')!r} is not one the product maps.")
        if is_closed and stage not in OpportunityStage.closed():
            raise Refused("StageName", f"Stage {record.get('StageName')!r} is open but Salesforce says IsClosed.")
        fields: dict = {"name": (record.get("Name") or "").strip(), "stage": stage}
        amount = record.get("Amount")
        if amount is None or amount == "":
            fields["monthly_spend_usd"] = None
        else:
            try:
                fields["monthly_spend_usd"] = Decimal(str(amount))
            except InvalidOperation:
                raise Refused("Amount", f"Amount {amount!r} is not a number.") from None
        probability = record.get("Probability")
        if probability is not None and probability != "":
            try:
                fields["probability"] = round(float(probability))
            except ValueError:
                raise Refused("Probability", f"Probability {probability!r} is not a number.") from None
        close_date = record.get("CloseDate")
        if close_date:
            try:
                parsed = parse_date(str(close_date))
            except ValueError:
                parsed = None
            if parsed is None:
                raise Refused("CloseDate", f"CloseDate {close_date!r} is not a date (YYYY-MM-DD).")
            fields["close_date"] = parsed
        else:
            fields["close_date"] = None
        created = _instant(record.get("CreatedDate"))
        if created is not None:
            fields["opened_at"] = created
        # The competitor fields are Salesforce's only when the org has them (then they are in the
        # record, null or not); without them the rival and the reason stay as the product has them.
        has_lost_to = bool(self.config.lost_to_field) and self.config.lost_to_field in record
        has_reason = bool(self.config.lost_reason_field) and self.config.lost_reason_field in record
        lost_to_name = (record.get(self.config.lost_to_field) or "").strip() if has_lost_to else ""
        reason = (record.get(self.config.lost_reason_field) or "").strip() if has_reason else ""
        if has_lost_to:
            fields["lost_to"] = None
            if stage == OpportunityStage.CLOSED_LOST and lost_to_name:
                vendor = self.vendor(lost_to_name)
                fields["lost_to"] = vendor
                if vendor is None:
                    # A rival the product does not know (another vendor, an in-house build): its name
                    # stays in the reason, so nothing Salesforce said is lost.
                    reason = f"Lost to {lost_to_name}. {reason}".strip()
                    has_reason = True
        if has_reason:
            fields["lost_reason"] = reason
        return fields


def _boolean(value) -> bool:
    return value is True or value == "true"


def _refusal(error: ValidationError, names: dict[str, str]) -> Refused:
    """Every field at fault, named as Salesforce names it, with the product's messages."""
    if hasattr(error, "error_dict"):
        fields = list(dict.fromkeys(names.get(f, f) for f in error.error_dict))
        messages = [m for errors in error.error_dict.values() for e in errors for m in e.messages]
        return Refused(", ".join(fields), "; ".join(messages))
    return Refused("", "; ".join(error.messages))


# -- a pull -----------------------------------------------------------------------------------------


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
        for page, is_last in reader.pages(soql, count):
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
    if object_name == OPPORTUNITY:
        existing = {
            o.salesforce_id: o
            for o in Opportunity.objects.filter(salesforce_id__in=[r["Id"] for r in page]).select_related("exchange")
        }
    applied: list[str] = []
    now = timezone.now()
    for record in page:
        try:
            if object_name == OPPORTUNITY:
                # opportunity_create/_update are atomic themselves and validate before they write
                # (a move to another account runs in their transaction too): applied whole or not at all.
                applier.opportunity(record, tally, existing.get(record["Id"]))
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


# -- a manager's review of an account ----------------------------------------------------------------


@transaction.atomic
def pulled_account_decide(*, account: PulledAccount, exchange: Exchange | None, user) -> dict[str, int]:
    """A manager's decision on a Salesforce Account: this exchange (it is linked, and the contacts and
    opportunities held for it are applied now), or none (they are dropped). Returns what was applied."""
    from crm.access import is_manager

    if not is_manager(user):
        raise ValidationError(_("Only a manager decides which exchange a Salesforce Account is."))
    account.reviewed_by, account.reviewed_at = user, timezone.now()
    account.match_method = MatchMethod.MANUAL
    if exchange is None:
        account.exchange, account.match_status, account.match_confidence = None, MatchStatus.NOT_AN_EXCHANGE, 0
    else:
        account.exchange, account.match_status, account.match_confidence = exchange, MatchStatus.MATCHED, 100
        Exchange.objects.filter(pk=exchange.pk, salesforce_account_id="").update(
            salesforce_account_id=account.salesforce_id
        )
    account.save()
    held = PullIssue.objects.filter(
        kind=PullIssue.Kind.HELD, account_salesforce_id=account.salesforce_id, resolved_at__isnull=True
    ).order_by("object_name", "pk")
    outcome = {"applied": 0, "refused": 0, "dropped": 0}
    if exchange is None:
        outcome["dropped"] = held.update(resolved_at=timezone.now())
        return outcome
    from leads.salesforce.conf import salesforce_settings

    report = PullReport()
    held_apply([account.salesforce_id], Applier(run=None, report=report, config=salesforce_settings()), report, None)
    outcome["applied"] = report.tallies[CONTACT].from_held + report.tallies[OPPORTUNITY].from_held
    outcome["refused"] = report.tallies[CONTACT].refused + report.tallies[OPPORTUNITY].refused
    return outcome


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


def exchange_merge_move_salesforce_accounts(context) -> dict[str, int]:
    """An account merge: the Salesforce Accounts matched to the source are the target's now, and the
    target takes the source's Salesforce Account id when it has none (so the link survives the merge)."""
    moved = PulledAccount.objects.filter(exchange=context.source).update(exchange=context.target)
    if context.source.salesforce_account_id:
        Exchange.objects.filter(pk=context.target.pk, salesforce_account_id="").update(
            salesforce_account_id=context.source.salesforce_account_id
        )
    return {"salesforce_accounts": moved}
