"""What a pull reads and how it tells what became of each record: the objects and fields, a record's
refusal or hold, the tallies per object, and the Opportunity owners no product user answers to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext

from leads.salesforce.mapping import ACCOUNT, OPPORTUNITY

CONTACT = "Contact"
PULLED_OBJECTS = (ACCOUNT, CONTACT, OPPORTUNITY)  # parents before children
SYSTEM_FIELDS = ["Id", "IsDeleted", "SystemModstamp"]
# The Opportunity owner's email, read through the Owner relationship (OwnerId -> User): REST answers it
# nested ("Owner": {"attributes": ..., "Email": ...} or null), a Bulk query's CSV as an "Owner.Email"
# column; the Reader gives both as one "Owner.Email" key.
OWNER_EMAIL = "Owner.Email"
BASE_FIELDS = {
    ACCOUNT: ["Name", "Website"],
    CONTACT: ["AccountId", "FirstName", "LastName", "Title", "Email", "Phone"],
    OPPORTUNITY: [
        "AccountId",
        "Name",
        "StageName",
        "IsClosed",
        "IsWon",
        "Amount",
        "Probability",
        "CloseDate",
        OWNER_EMAIL,
    ],
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
    "owner": OWNER_EMAIL,
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
    owners_not_found: int = 0  # applied, but no one product user has their Salesforce owner's email
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
        if self.owners_not_found:
            parts.append(
                ngettext("%(n)s with its owner not found", "%(n)s with their owner not found", self.owners_not_found)
                % {"n": self.owners_not_found}
            )
        return f"{object_name}: {self.read} read via {self.way}; {', '.join(parts)}.{released}"


@dataclass
class OwnerNotFound:
    """A Salesforce owner's email no one active product user has: how many users have it (0, or
    several), and the Opportunities it owns that this pull applied without an owner from it."""

    email: str  # as Salesforce first wrote it in this pull
    users: int
    opportunities: list[str] = field(default_factory=list)

    def line(self) -> str:
        n = len(self.opportunities)
        if self.users:
            text = ngettext(
                "Owner not found: %(email)s (%(n)s opportunity): %(users)s active users have this email, so its "
                "owner here is left as it was (none if new).",
                "Owner not found: %(email)s (%(n)s opportunities): %(users)s active users have this email, so "
                "their owner here is left as it was (none if new).",
                n,
            )
        else:
            text = ngettext(
                "Owner not found: %(email)s (%(n)s opportunity): no active user has this email, so its owner "
                "here is left as it was (none if new).",
                "Owner not found: %(email)s (%(n)s opportunities): no active user has this email, so their "
                "owner here is left as it was (none if new).",
                n,
            )
        return text % {"email": self.email, "n": n, "users": self.users}


@dataclass
class PullReport:
    tallies: dict[str, ObjectTally] = field(default_factory=lambda: {name: ObjectTally() for name in PULLED_OBJECTS})
    refusals: list[str] = field(default_factory=list)
    # An owner's email, compared in lower case -> what became of the Opportunities it owns.
    owners_not_found: dict[str, OwnerNotFound] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [self.tallies[name].line(name) for name in PULLED_OBJECTS]

    def owner_not_found(self, email: str, *, users: int, salesforce_id: str) -> None:
        """Book an Opportunity applied without the owner Salesforce gave it (no one user has the email)."""
        entry = self.owners_not_found.setdefault(email.lower(), OwnerNotFound(email=email, users=users))
        entry.users = max(entry.users, users)
        entry.opportunities.append(salesforce_id)

    def owner_lines(self) -> list[str]:
        """One line per owner's email no product user answers to, in the order the pull met them."""
        return [entry.line() for entry in self.owners_not_found.values()]


def _instant(value) -> datetime.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value).replace("+0000", "+00:00"))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def _boolean(value) -> bool:
    return value is True or value == "true"


def _refusal(error: ValidationError, names: dict[str, str]) -> Refused:
    """Every field at fault, named as Salesforce names it, with the product's messages."""
    if hasattr(error, "error_dict"):
        fields = list(dict.fromkeys(names.get(f, f) for f in error.error_dict))
        messages = [m for errors in error.error_dict.values() for e in errors for m in e.messages]
        return Refused(", ".join(fields), "; ".join(messages))
    return Refused("", "; ".join(error.messages))
