"""Importing badge scans into an event: preview, then commit (all or nothing, or keep the valid
rows), matching each person to an exchange and contact in a fixed number of queries."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from crm.access import changeable_exchange_ids, is_manager, visible_exchanges
from crm.bulk import bulk_insert
from crm.models import CloudVendor, Contact
from crm.services import evidence_changed
from intel.choices import MatchMethod, MatchStatus
from intel.downstream import people_changed
from intel.matching import MatchResult, VendorEntry, normalise_company
from intel.models import Attendee, AttendeeImport, Event, NotAnExchangeCompany
from intel.parsing import FileTooLarge, ParsedRow, RowProblem, parse, too_large_message
from intel.queries import matcher_load

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500
# The attendee fields a file fills; an empty cell never erases what an earlier import wrote.
DATA_FIELDS = ("full_name", "company", "title", "email", "phone", "notes", "scanned_by", "scanned_at")
MATCH_FIELDS = ("exchange_id", "match_method", "match_confidence", "match_status", "match_candidates")
SET_ASIDE = MatchResult(
    None, MatchMethod.MANUAL, 100, MatchStatus.NOT_AN_EXCHANGE, (), "a company set aside as not an exchange"
)
_LATIN = re.compile(r"^[\x00-\u024f\s]*$")
# How people write the vendors' names on a badge besides the account book's name (by vendor slug).
CLOUD_VENDOR_OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "alibaba-cloud": ("Aliyun", "阿里云", "Alibaba Group", "Alibaba"),
    "huawei-cloud": ("Huawei", "华为云"),
    "tencent-cloud": ("Tencent", "腾讯云"),
    "aws": ("Amazon Web Services", "Amazon"),
    "google-cloud": ("Google", "Google Cloud Platform"),
    "microsoft-azure": ("Microsoft", "Azure"),
    "oracle-cloud": ("Oracle",),
    "china-telecom-cloud": ("Tianyi Cloud", "China Telecom", "天翼云"),
    "china-mobile-ecloud": ("China Mobile", "移动云"),
}


def import_progress_text(done: int, total: int) -> str:
    """How far an import has got, as the terminal's progress line and the upload page's status say it."""
    if done < total:
        return ngettext("Matched %(done)s of %(total)s row", "Matched %(done)s of %(total)s rows", total) % {
            "done": f"{done:,}",
            "total": f"{total:,}",
        }
    return ngettext(
        "Matched %(total)s row; saving the people and the follow-up list",
        "Matched all %(total)s rows; saving the people and the follow-up list",
        total,
    ) % {"total": f"{total:,}"}


@dataclass(frozen=True)
class UploadLimits:
    """How large an uploaded badge-scan file may be, through the pages and the API alike."""

    max_bytes: int
    max_rows: int


def upload_limits() -> UploadLimits:
    """The one answer to "how large may an upload be": settings API_UPLOAD_MAX_BYTES and API_UPLOAD_MAX_ROWS."""
    return UploadLimits(
        max_bytes=getattr(settings, "API_UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        max_rows=getattr(settings, "API_UPLOAD_MAX_ROWS", 20_000),
    )


def attendee_upload_check(*, size: int) -> UploadLimits:
    """Refuse an upload over the byte limit from its size alone, before a byte of it is read (FileTooLarge);
    returns the limits, whose max_rows the preview and the import are then given."""
    limits = upload_limits()
    if size > limits.max_bytes:
        raise FileTooLarge(too_large_message(size=size, max_bytes=limits.max_bytes))
    return limits


def cloud_vendors_load() -> list[VendorEntry]:
    """The cloud vendors of the account book, as matching needs them: one query."""
    return [
        VendorEntry(name=name, website=website, other_names=CLOUD_VENDOR_OTHER_NAMES.get(slug, ()))
        for slug, name, website in CloudVendor.objects.values_list("slug", "name", "website")
    ]


@dataclass
class ImportPreview:
    """What an import would do, before anything is written."""

    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str | None]
    unmapped_headers: list[str]
    rows_read: int
    valid_rows: int
    duplicate_lines: int
    blank_lines: int
    problems: list[RowProblem]
    new_people: int
    known_people: int

    @property
    def is_clean(self) -> bool:
        return not self.problems


@dataclass
class ImportOutcome:
    """What an import did (or, when not committed, why it wrote nothing)."""

    is_committed: bool
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate_lines: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejected_report: bytes = b""
    matched: int = 0
    review: int = 0
    unmatched: int = 0
    not_an_exchange: int = 0
    # People at accounts the uploader may not change: recorded at the event, but their match is left
    # for the account's owner (or a manager) to confirm in the review queue. Counted here only, never
    # among created/updated/matched, so the answer reveals no match outside the uploader's accounts.
    passed_to_owners: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    batch: AttendeeImport | None = None

    @property
    def rejected(self) -> int:
        return len(self.problems)

    def summary(self) -> str:
        """What the import did, as the uploader reads it."""
        text = ngettext(
            "%(created)s person added, %(updated)s updated, %(matched)s matched, %(review)s to review, "
            "%(rejected)s rejected",
            "%(created)s people added, %(updated)s updated, %(matched)s matched, %(review)s to review, "
            "%(rejected)s rejected",
            self.created,
        ) % {
            "created": self.created,
            "updated": self.updated,
            "matched": self.matched,
            "review": self.review,
            "rejected": self.rejected,
        }
        if self.passed_to_owners:
            return ngettext(
                "%(summary)s; %(n)s person at accounts you do not own, passed to their owners.",
                "%(summary)s; %(n)s people at accounts you do not own, passed to their owners.",
                self.passed_to_owners,
            ) % {"summary": text, "n": self.passed_to_owners}
        return gettext("%(summary)s.") % {"summary": text}


def attendee_import_preview(
    *,
    event: Event,
    data: bytes,
    mapping: Mapping[str, str | None] | None = None,
    max_rows: int | None = None,
    user=None,
) -> ImportPreview:
    """The guessed column mapping, the rows that would be rejected, and how many people are new.
    With `user`, "known" counts only the people that user may see (at no exchange, or at one they may
    see), so the preview reveals no match outside their territory.
    Raises intel.parsing.FileError when the file as a whole cannot be read (TooManyRows past `max_rows`).
    Writes nothing."""
    parsed = parse(data, mapping=mapping, max_rows=max_rows)
    known_keys = set(
        _attendees_seen_by(user, Attendee.objects.filter(event=event)).values_list("dedupe_key", flat=True)
    )
    known = sum(1 for row in parsed.rows if row.dedupe_key in known_keys)
    return ImportPreview(
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        headers=parsed.headers,
        mapping=parsed.mapping,
        unmapped_headers=parsed.unmapped_headers,
        rows_read=parsed.rows_read,
        valid_rows=len(parsed.rows),
        duplicate_lines=parsed.duplicate_lines,
        blank_lines=parsed.blank_lines,
        problems=parsed.problems,
        new_people=len(parsed.rows) - known,
        known_people=known,
    )


def _attendees_seen_by(user, attendees):
    if user is None or is_manager(user):
        return attendees
    return attendees.filter(Q(exchange__isnull=True) | Q(exchange__in=visible_exchanges(user).values("pk")))


@transaction.atomic
def attendee_import(
    *,
    event: Event,
    data: bytes,
    filename: str = "",
    keep_valid: bool = False,
    mapping: Mapping[str, str | None] | None = None,
    imported_by=None,
    threshold: int | None = None,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> ImportOutcome:
    """Import a badge-scan file into an event.

    All or nothing: a file with any bad row writes nothing and returns the problems. With
    `keep_valid`, the valid rows are written and the rejected ones come back as a CSV report.
    A person already on the event's list (same email, or same name and company) is updated, never
    duplicated; a rep's review decision survives re-imports. Raises intel.parsing.FileError when
    the file as a whole cannot be read (TooManyRows past `max_rows`, before anything is written).

    `imported_by` a rep: contacts are created only on the accounts they may change (crm.access). A
    person newly matched to another account is recorded for review by that account's owner (or a
    manager, when it has none) and counted as passed_to_owners, not as matched."""
    parsed = parse(data, mapping=mapping, max_rows=max_rows)
    report = parsed.rejected_report() if parsed.problems else b""
    if parsed.problems and not keep_valid:
        return ImportOutcome(
            is_committed=False,
            rows_read=parsed.rows_read,
            duplicate_lines=parsed.duplicate_lines,
            problems=parsed.problems,
            rejected_report=report,
        )
    # One import per event at a time: two overlapping files must not both create the same person.
    event = Event.objects.select_for_update().get(pk=event.pk)
    options = {"threshold": threshold} if threshold is not None else {}
    matcher = matcher_load(vendors=cloud_vendors_load(), **options)
    # Companies a rep set aside as not an exchange: their people are set aside again, not asked about.
    set_aside = set(NotAnExchangeCompany.objects.values_list("normalised", flat=True))
    # Only the columns a re-import compares and writes: the people already on the list.
    existing = {
        attendee.dedupe_key: attendee
        for attendee in Attendee.objects.filter(event=event).only(
            "dedupe_key", "reviewed_at", "contact_id", *DATA_FIELDS, *MATCH_FIELDS
        )
    }
    outcome = ImportOutcome(
        is_committed=True,
        rows_read=parsed.rows_read,
        duplicate_lines=parsed.duplicate_lines,
        problems=parsed.problems,
        rejected_report=report,
    )
    now = timezone.now()
    new_attendee = _new_attendees(event=event, now=now)
    unchanged_exchange_ids: list[int] = []
    created: list[Attendee] = []
    updated: list[Attendee] = []
    touched_exchanges: set[int] = set()
    rematched: set[int] = set()  # ids of the rows (by position) whose match this import set or changed
    total = len(parsed.rows)
    for done, row in enumerate(parsed.rows, start=1):
        match = matcher.match(company=row.company, email=row.email)
        if match.status != MatchStatus.MATCHED and set_aside and normalise_company(row.company) in set_aside:
            match = SET_ASIDE
        attendee = existing.get(row.dedupe_key)
        if attendee is None:
            attendee = new_attendee(row.dedupe_key, row.line)
            _apply_data(attendee, row, event)
            _apply_match(attendee, match)
            created.append(attendee)
            rematched.add(id(attendee))
        else:
            before_exchange, before_status = attendee.exchange_id, attendee.match_status
            changed = _apply_data(attendee, row, event)
            if attendee.reviewed_at is None:
                changed |= _apply_match(attendee, match)
            if changed:
                attendee.source_line = row.line
                updated.append(attendee)
                if (before_exchange, before_status) != (attendee.exchange_id, attendee.match_status):
                    rematched.add(id(attendee))
                    touched_exchanges.update(pk for pk in (before_exchange,) if pk)
            else:
                outcome.unchanged += 1
                if attendee.exchange_id is not None:
                    unchanged_exchange_ids.append(attendee.exchange_id)
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    # Whose accounts these people are at: a rep's import leaves the others' to their owners.
    written = [*created, *updated]
    matched_ids = {a.exchange_id for a in written if a.exchange_id} | set(unchanged_exchange_ids)
    if imported_by is None or is_manager(imported_by):
        changeable = matched_ids
    else:
        changeable = changeable_exchange_ids(imported_by, matched_ids)
    others = {id(a) for a in written if a.exchange_id and a.exchange_id not in changeable}
    for attendee in written:
        if id(attendee) in others and id(attendee) in rematched and attendee.match_status == MatchStatus.MATCHED:
            attendee.match_status = MatchStatus.REVIEW  # for the owner (or a manager) to confirm
            attendee.contact_id = None
        if id(attendee) in rematched and attendee.match_status == MatchStatus.MATCHED:
            touched_exchanges.add(attendee.exchange_id)
    passed_unchanged = sum(1 for pk in unchanged_exchange_ids if pk not in changeable)
    outcome.passed_to_owners = len(others) + passed_unchanged
    outcome.unchanged -= passed_unchanged
    outcome.created = sum(1 for a in created if id(a) not in others)
    outcome.updated = sum(1 for a in updated if id(a) not in others)
    outcome.contacts_created, outcome.contacts_updated = _link_contacts([a for a in written if id(a) not in others])
    for attendee in written:
        if id(attendee) in others:
            continue
        if attendee.match_status == MatchStatus.MATCHED:
            outcome.matched += 1
        elif attendee.match_status == MatchStatus.REVIEW:
            outcome.review += 1
        elif attendee.match_status == MatchStatus.UNMATCHED:
            outcome.unmatched += 1
        elif attendee.match_status == MatchStatus.NOT_AN_EXCHANGE:
            outcome.not_an_exchange += 1
    outcome.batch = AttendeeImport.objects.create(
        event=event,
        filename=filename[:300],
        content_sha256=hashlib.sha256(data).hexdigest(),
        encoding=parsed.encoding,
        column_mapping=parsed.mapping,
        is_keep_valid=keep_valid,
        imported_by=imported_by,
        rows_read=outcome.rows_read,
        created_count=outcome.created,
        updated_count=outcome.updated,
        unchanged_count=outcome.unchanged,
        duplicate_count=outcome.duplicate_lines,
        rejected_count=outcome.rejected,
        matched_count=outcome.matched,
        review_count=outcome.review,
        contacts_created=outcome.contacts_created,
        rejected_report=report.decode("utf-8-sig"),
    )
    for attendee in (*created, *updated):
        attendee.last_import = outcome.batch
        attendee.updated_at = now
    bulk_insert(Attendee, created)  # one COPY on PostgreSQL
    if updated:
        Attendee.objects.bulk_update(
            updated, [*DATA_FIELDS, *MATCH_FIELDS, "contact_id", "last_import_id", "source_line", "updated_at"]
        )
    evidence_changed(exchange_ids=touched_exchanges, cause="attendee", reference=f"attendee_import:{outcome.batch.pk}")
    # The follow-up list follows the people: created, assigned and ranked now (intel.downstream). A file
    # that changed nobody changes no follow-up.
    if created or updated:
        people_changed(event=event)
    return outcome


def _new_attendees(*, event: Event, now) -> Callable[[str, int], Attendee]:
    """Build the unsaved Attendee of each new person of an import: every field's default, then its event,
    key, line and time, given in field order (Django's fast path: up to 100,000 of them per file)."""
    fields = Attendee._meta.concrete_fields
    position = {field.attname: index for index, field in enumerate(fields)}
    template = [field.get_default() for field in fields]
    template[position["event_id"]], template[position["created_at"]] = event.pk, now

    def build(dedupe_key: str, line: int) -> Attendee:
        values = template.copy()
        values[position["dedupe_key"]], values[position["source_line"]] = dedupe_key, line
        values[position["match_candidates"]] = []  # a list of its own
        return Attendee(*values)

    return build


def _apply_data(attendee: Attendee, row: ParsedRow, event: Event) -> bool:
    changed = False
    for name in DATA_FIELDS:
        value = getattr(row, name)
        if name == "scanned_at" and value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, event.tzinfo)
        if value in ("", None) or getattr(attendee, name) == value:
            continue
        setattr(attendee, name, value)
        changed = True
    return changed


def _apply_match(attendee: Attendee, match: MatchResult) -> bool:
    values = {
        "exchange_id": match.exchange_id,
        "match_method": match.method,
        "match_confidence": match.confidence,
        "match_status": match.status,
        "match_candidates": [candidate.as_dict() for candidate in match.candidates],
    }
    changed = any(getattr(attendee, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(attendee, name, value)
    if attendee.match_status != MatchStatus.MATCHED:
        attendee.contact_id = None
    return changed


def contact_fields(attendee: Attendee) -> dict[str, str]:
    """An attendee as a crm Contact: a name in another script goes to native_name as well."""
    is_latin = bool(_LATIN.match(attendee.full_name))
    return {
        "full_name": attendee.full_name[:200],
        "native_name": "" if is_latin else attendee.full_name[:200],
        "title": attendee.title[:200],
        "email": attendee.email,
        "phone": attendee.phone[:50],
    }


def _link_contacts(attendees: list[Attendee]) -> tuple[int, int]:
    """Give every matched attendee with an email a crm Contact at its exchange (one per exchange and
    email, existing ones reused and their blanks filled). Two to three queries for any number."""
    wanted = [a for a in attendees if a.match_status == MatchStatus.MATCHED and a.exchange_id and a.email]
    if not wanted:
        return 0, 0
    contacts = {
        (contact.exchange_id, contact.email.lower()): contact
        for contact in Contact.objects.filter(exchange_id__in={a.exchange_id for a in wanted}).exclude(email="")
    }
    new: dict[tuple[int, str], Contact] = {}
    filled: dict[int, Contact] = {}
    for attendee in wanted:
        key = (attendee.exchange_id, attendee.email.lower())
        contact = contacts.get(key) or new.get(key)
        fields = contact_fields(attendee)
        if contact is None:
            new[key] = Contact(exchange_id=attendee.exchange_id, **fields)
            continue
        if contact.pk is None:
            continue
        for name in ("title", "phone", "native_name"):
            if not getattr(contact, name) and fields[name]:
                setattr(contact, name, fields[name])
                filled[contact.pk] = contact
    Contact.objects.bulk_create(new.values())
    if filled:
        now = timezone.now()
        for contact in filled.values():
            contact.updated_at = now
        Contact.objects.bulk_update(filled.values(), ["title", "phone", "native_name", "updated_at"])
    contacts.update(new)
    for attendee in wanted:
        attendee.contact = contacts[(attendee.exchange_id, attendee.email.lower())]
    return len(new), len(filled)
