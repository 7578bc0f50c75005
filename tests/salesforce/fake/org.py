"""The fake org's data: records per object with Salesforce's upsert, create and update semantics,
describe metadata, per-record errors the tests inject, and the API usage counter. Every write stamps
the record's SystemModstamp (strictly increasing, to the millisecond, as the org's clock); a deleted
record goes to the recycle bin with IsDeleted true, where queryAll still finds it.

Built from the documented shapes: UpsertResult / SaveResult ({id, success, errors, created}), error
objects ({statusCode, message, fields}), and describe's field properties (name, type, length,
createable, updateable, externalId)."""

from __future__ import annotations

import datetime
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Campaign": "701",
    "CampaignMember": "00v",
    "CampaignMemberStatus": "01Y",
    "Opportunity": "006",
    "User": "005",
}
REQUIRED = {
    "Account": ["Name"],
    "Lead": ["LastName", "Company"],
    "Campaign": ["Name"],
    "CampaignMember": ["CampaignId"],
    "CampaignMemberStatus": ["CampaignId", "Label"],
    "Contact": ["LastName"],
    "Opportunity": ["Name", "StageName", "CloseDate"],
}
KEY = "Exchange_Intel_Key__c"
SYSTEM_FIELDS = ("SystemModstamp", "IsDeleted", "CreatedDate")
# The standard sales process: stage -> (IsClosed, IsWon), as Salesforce derives them from StageName.
STAGES = {
    "Prospecting": (False, False),
    "Qualification": (False, False),
    "Needs Analysis": (False, False),
    "Value Proposition": (False, False),
    "Id. Decision Makers": (False, False),
    "Perception Analysis": (False, False),
    "Proposal/Price Quote": (False, False),
    "Negotiation/Review": (False, False),
    "Closed Won": (True, True),
    "Closed Lost": (True, False),
}


def stamp(moment: datetime.datetime) -> str:
    """A datetime as the REST API writes it: 2026-12-01T09:30:00.000+0000."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _field(
    name, type_="string", *, length=255, createable=True, updateable=True, external_id=False, parent=None, via=None
):
    """One of describe()'s fields; a reference (type "reference") names the object it points to
    (`parent`, describe's referenceTo) and the relationship a query walks through it (`via`,
    describe's relationshipName: OwnerId -> Owner, so `SELECT Owner.Email`)."""
    return {
        "name": name,
        "type": type_,
        "length": length if type_ in ("string", "textarea", "url", "email", "phone", "picklist") else 0,
        "createable": createable,
        "updateable": updateable,
        "externalId": external_id,
        "idLookup": external_id or name == "Id",
        "nillable": name not in ("Name", "LastName", "Company"),
        "referenceTo": [parent] if parent else [],
        "relationshipName": via,
    }


def _system() -> list[dict]:
    return [
        _field("SystemModstamp", "datetime", createable=False, updateable=False),
        _field("CreatedDate", "datetime", createable=False, updateable=False),
        _field("IsDeleted", "boolean", createable=False, updateable=False),
    ]


def competitor_fields() -> list[dict]:
    """Custom fields an org may add to Opportunity for the rival that won and why."""
    return [_field("Lost_To__c", "picklist"), _field("Loss_Reason__c", "textarea", length=1000)]


def win_likelihood_fields() -> list[dict]:
    """The custom fields an org admin adds to Opportunity for the product's win likelihood:
    Number(3,0), Number(18,0) and Long Text Area(32768)."""
    return [
        _field("Win_Likelihood__c", "double"),
        _field("Win_Likelihood_Model__c", "double"),
        _field("Win_Likelihood_Reasons__c", "textarea", length=32768),
    ]


def default_fields() -> dict[str, list[dict]]:
    key = _field(KEY, external_id=True, length=100)
    return {
        "Account": [
            _field("Id", "id", createable=False, updateable=False),
            *_system(),
            key,
            _field("Name"),
            _field("Website", "url"),
            _field("BillingCountry", length=80),
            _field("Intel_Score__c", "double"),
            _field("Intel_Grade__c", "picklist"),
            _field("Intel_Top_Reasons__c", "textarea", length=1000),
            _field("Intel_Model_Version__c", "double"),
            _field("Intel_Scored_At__c", "datetime"),
            _field("Intel_Our_Share__c", "percent"),
            _field("Intel_Largest_Rival__c", length=100),
            _field("Intel_Largest_Rival_Share__c", "percent"),
            _field("Intel_Compliance_Pressure__c", "textarea", length=1000),
            _field("Intel_Size_Tier__c", "picklist"),
            _field("Intel_Size_Evidence__c", "textarea", length=1000),
            _field("Intel_Licences__c", "textarea", length=32000),
        ],
        "Contact": [
            _field("Id", "id", createable=False, updateable=False),
            *_system(),
            _field("AccountId", "reference", parent="Account", via="Account"),
            _field("FirstName", length=40),
            _field("LastName", length=80),
            _field("Title", length=128),
            _field("Email", "email", length=80),
            _field("Phone", "phone", length=40),
        ],
        "Opportunity": [
            _field("Id", "id", createable=False, updateable=False),
            *_system(),
            _field("AccountId", "reference", parent="Account", via="Account"),
            _field("OwnerId", "reference", parent="User", via="Owner"),
            _field("Name", length=120),
            _field("StageName", "picklist"),
            _field("Amount", "currency"),
            _field("Probability", "percent"),
            _field("CloseDate", "date"),
            _field("IsClosed", "boolean", createable=False, updateable=False),
            _field("IsWon", "boolean", createable=False, updateable=False),
            _field("Description", "textarea", length=32000),
            *win_likelihood_fields(),
        ],
        "Lead": [
            _field("Id", "id", createable=False, updateable=False),
            key,
            _field("FirstName", length=40),
            _field("LastName", length=80),
            _field("Company"),
            _field("Title", length=128),
            _field("Email", "email", length=80),
            _field("Phone", "phone", length=40),
            _field("LeadSource", "picklist"),
            _field("Intel_Person_Score__c", "double"),
        ],
        "Campaign": [
            _field("Id", "id", createable=False, updateable=False),
            key,
            _field("Name", length=80),
            _field("StartDate", "date"),
            _field("EndDate", "date"),
            _field("Type", "picklist"),
            _field("IsActive", "boolean"),
            _field("Description", "textarea", length=32000),
        ],
        "CampaignMember": [
            _field("Id", "id", createable=False, updateable=False),
            key,
            _field("CampaignId", "reference", updateable=False, parent="Campaign", via="Campaign"),
            _field("LeadId", "reference", updateable=False, parent="Lead", via="Lead"),
            _field("ContactId", "reference", updateable=False, parent="Contact", via="Contact"),
            _field("Status", "picklist"),
        ],
        # The org's users, as an Opportunity's owner (OwnerId) points to them.
        "User": [
            _field("Id", "id", createable=False, updateable=False),
            *_system(),
            _field("Username", length=80),
            _field("FirstName", length=40),
            _field("LastName", length=80),
            _field("Email", "email", length=128),
            _field("IsActive", "boolean"),
        ],
    }


def error(code: str, message: str, fields: list[str] | None = None) -> dict:
    return {"statusCode": code, "message": message, "fields": fields or []}


@dataclass
class FakeOrg:
    """The records of a fake org, thread-safe (the server answers on several threads)."""

    api_limit: int = 15000
    api_used: int = 0
    fields: dict[str, list[dict]] = field(default_factory=default_fields)
    records: dict[str, dict[str, dict]] = field(default_factory=dict)  # object -> id -> record
    # Injected per-record errors: (object, external id or label) -> (code, message); kept until cleared.
    record_errors: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    keys: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # object -> external id -> ids
    deleted: dict[str, dict[str, dict]] = field(default_factory=dict)  # the recycle bin: object -> id -> record
    lock: threading.RLock = field(default_factory=threading.RLock)
    # The org's clock; a test may set it. Each write gets a stamp at least 1 ms after the last one.
    now: datetime.datetime | None = None
    _last_stamp: datetime.datetime | None = None
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _stamp(self, record: dict, object_name: str) -> None:
        now = self.now or datetime.datetime.now(datetime.UTC)
        moment = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last_stamp is not None and moment <= self._last_stamp:
            moment = self._last_stamp + datetime.timedelta(milliseconds=1)
        self._last_stamp = moment
        record["SystemModstamp"] = stamp(moment)
        record.setdefault("CreatedDate", record["SystemModstamp"])
        record["IsDeleted"] = False
        if object_name == "Opportunity" and record.get("StageName") in STAGES:
            record["IsClosed"], record["IsWon"] = STAGES[record["StageName"]]

    def new_id(self, object_name: str) -> str:
        return f"{PREFIXES[object_name]}{next(self._counter):012d}AAA"[:18]

    def all(self, object_name: str, *, include_deleted: bool = False) -> list[dict]:
        with self.lock:
            live = list(self.records.get(object_name, {}).values())
            return live + list(self.deleted.get(object_name, {}).values()) if include_deleted else live

    def by_key(self, object_name: str, key: str) -> list[dict]:
        with self.lock:
            records = self.records.get(object_name, {})
            return [records[i] for i in self.keys.get(object_name, {}).get(key, [])]

    def describe(self, object_name: str) -> dict | None:
        if object_name not in self.fields:
            return None
        return {"name": object_name, "fields": self.fields[object_name], "createable": True, "updateable": True}

    def _reference(self, object_name: str, relationship: str) -> dict | None:
        """The reference field a relationship name walks through (Owner -> OwnerId), as describe has it."""
        return next((f for f in self.fields.get(object_name, []) if f.get("relationshipName") == relationship), None)

    def knows(self, object_name: str, path: str) -> bool:
        """Whether a query may name this field: one of the object's, or "Rel.Field" (any depth) through
        a relationship describe names, down to a field of the object it points to."""
        relationship, _, rest = path.partition(".")
        if not rest:
            return any(f["name"] == path for f in self.fields.get(object_name, []))
        reference = self._reference(object_name, relationship)
        return reference is not None and any(self.knows(to, rest) for to in reference["referenceTo"])

    def parent(self, object_name: str, record: dict, relationship: str) -> tuple[str, dict] | None:
        """The record a relationship points to (an Opportunity's Owner: the User its OwnerId names) and
        its object, or None when the reference is empty or points to nothing."""
        reference = self._reference(object_name, relationship)
        target_id = record.get(reference["name"]) if reference else None
        with self.lock:
            for to in reference["referenceTo"] if target_id else []:
                found = self.records.get(to, {}).get(target_id)
                if found is not None:
                    return to, found
        return None

    def remove_field(self, object_name: str, name: str) -> None:
        self.fields[object_name] = [f for f in self.fields[object_name] if f["name"] != name]

    def insert(self, object_name: str, values: dict) -> dict:
        """Insert a record directly (as a person in Salesforce would), e.g. a duplicate to provoke a 300."""
        with self.lock:
            record_id = self.new_id(object_name)
            record = {"Id": record_id, **values}
            self._stamp(record, object_name)
            self.records.setdefault(object_name, {})[record_id] = record
            if values.get(KEY):
                self.keys.setdefault(object_name, {}).setdefault(values[KEY], []).append(record_id)
            return self.records[object_name][record_id]

    def edit(self, object_name: str, record_id: str, **values) -> dict:
        """Change a record as a person in Salesforce would (no validation): its SystemModstamp moves."""
        with self.lock:
            record = self.records[object_name][record_id]
            record.update(values)
            self._stamp(record, object_name)
            return record

    def delete(self, object_name: str, record_id: str) -> None:
        """Delete as Salesforce does: the record leaves queries and waits in the recycle bin, where
        queryAll still answers it with IsDeleted true."""
        with self.lock:
            record = self.records[object_name].pop(record_id)
            if record.get(KEY):
                self.keys[object_name][record[KEY]].remove(record_id)
            self._stamp(record, object_name)
            record["IsDeleted"] = True
            self.deleted.setdefault(object_name, {})[record_id] = record

    # -- the semantics --------------------------------------------------------------------------

    def _check(self, object_name: str, values: dict, *, creating: bool) -> dict | None:
        known = {f["name"]: f for f in self.fields.get(object_name, [])}
        for name in values:
            if name not in known:
                return error("INVALID_FIELD", f"No such column '{name}' on sobject of type {object_name}", [name])
            if not creating and not known[name]["updateable"] and name != KEY:
                return error("INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {name}.", [name])
        if creating:
            missing = [name for name in REQUIRED.get(object_name, []) if values.get(name) in (None, "")]
            if object_name == "CampaignMember" and not (values.get("LeadId") or values.get("ContactId")):
                missing.append("LeadId")
            if missing:
                return error("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)
        return None

    def _member_duplicate(self, values: dict, exclude_id: str = "") -> dict | None:
        person = values.get("LeadId") or values.get("ContactId")
        for member in self.all("CampaignMember"):
            if member["Id"] == exclude_id:
                continue
            if (
                member.get("CampaignId") == values.get("CampaignId")
                and (member.get("LeadId") or member.get("ContactId")) == person
            ):
                return error("DUPLICATE_VALUE", f"Already a campaign member. duplicate value found: {member['Id']}")
        return None

    def _member_status_problem(self, object_name: str, values: dict, record: dict | None = None) -> dict | None:
        if object_name != "CampaignMember" or "Status" not in values:
            return None
        campaign_id = values.get("CampaignId") or (record or {}).get("CampaignId")
        if values["Status"] not in self.campaign_statuses(campaign_id):
            return error(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"Status: bad value for restricted picklist field: {values['Status']}",
            )
        return None

    def upsert(self, object_name: str, key_field: str, values: dict) -> dict:
        with self.lock:
            key = values.get(key_field)
            injected = self.record_errors.get((object_name, str(key)))
            if injected:
                return {"id": None, "success": False, "errors": [error(*injected)]}
            if key_field == KEY:
                matches = self.by_key(object_name, key)
            else:
                matches = [r for r in self.all(object_name) if r.get(key_field) == key]
            if len(matches) > 1:
                return {
                    "id": None,
                    "success": False,
                    "errors": [error("DUPLICATE_EXTERNAL_ID", f"{key_field}: more than one record found for {key}")],
                }
            if matches:
                record = matches[0]
                changed = {k: v for k, v in values.items() if k == key_field or record.get(k) != v or k not in record}
                problem = self._check(object_name, {k: v for k, v in changed.items() if k != key_field}, creating=False)
                problem = problem or self._member_status_problem(object_name, values, record)
                if problem:
                    return {"id": None, "success": False, "errors": [problem]}
                record.update(values)
                self._stamp(record, object_name)
                return {"id": record["Id"], "success": True, "errors": [], "created": False}
            problem = self._check(object_name, values, creating=True)
            if problem is None and object_name == "CampaignMember":
                problem = self._member_duplicate(values) or self._member_status_problem(object_name, values)
            if problem:
                return {"id": None, "success": False, "errors": [problem]}
            record = self.insert(object_name, values)
            return {"id": record["Id"], "success": True, "errors": [], "created": True}

    def create(self, object_name: str, values: dict) -> dict:
        with self.lock:
            problem = self._check(object_name, values, creating=True) if object_name in self.fields else None
            if object_name == "CampaignMemberStatus":
                missing = [n for n in REQUIRED[object_name] if not values.get(n)]
                if missing:
                    problem = error("REQUIRED_FIELD_MISSING", f"Required fields are missing: {missing}", missing)
                elif any(
                    s["CampaignId"] == values["CampaignId"] and s["Label"] == values["Label"]
                    for s in self.all(object_name)
                ):
                    problem = error("DUPLICATE_VALUE", f"duplicate value found: Label {values['Label']}")
                elif (object_name, values["Label"]) in self.record_errors:
                    problem = error(*self.record_errors[(object_name, values["Label"])])
            if problem:
                return {"id": None, "success": False, "errors": [problem]}
            record = self.insert(object_name, values)
            return {"id": record["Id"], "success": True, "errors": []}

    def update(self, object_name: str, record_id: str, values: dict) -> dict:
        with self.lock:
            record = self.records.get(object_name, {}).get(record_id)
            if record is None:
                return {"id": record_id, "success": False, "errors": [error("ENTITY_IS_DELETED", "entity is deleted")]}
            problem = self._check(object_name, values, creating=False)
            problem = problem or self._member_status_problem(object_name, values, record)
            if problem:
                return {"id": record_id, "success": False, "errors": [problem]}
            record.update(values)
            self._stamp(record, object_name)
            return {"id": record_id, "success": True, "errors": []}

    def campaign_statuses(self, campaign_id: str) -> list[str]:
        labels = ["Sent", "Responded"]  # every new campaign has these two
        labels += [s["Label"] for s in self.all("CampaignMemberStatus") if s["CampaignId"] == campaign_id]
        return labels

    def members_of(self, campaign_id: str) -> list[dict[str, Any]]:
        return [m for m in self.all("CampaignMember") if m.get("CampaignId") == campaign_id]
