"""What a pull reads and how it tells what became of each record: the objects and fields, a record's
refusal or hold, and the tallies per object."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leads.salesforce.mapping import ACCOUNT, OPPORTUNITY

CONTACT = "Contact"
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
