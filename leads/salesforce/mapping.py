"""What goes where: the product's values (sources) per Salesforce object, the default field map, its
validation against the org's describe(), and the records and CSV rows built from it.

Pure functions over plain data: the ORM side (leads.salesforce.sources) loads the values, and the
field map's overrides come from the admin (FieldMapping rows)."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ACCOUNT, LEAD, CAMPAIGN, MEMBER, MEMBER_STATUS = "Account", "Lead", "Campaign", "CampaignMember", "CampaignMemberStatus"
OPPORTUNITY = "Opportunity"
# The objects the field map covers, in the order a sync sends them (members need their campaign and lead;
# opportunities, last, only receive the product's fields on records Salesforce owns).
MAPPED_OBJECTS = (ACCOUNT, CAMPAIGN, LEAD, MEMBER, OPPORTUNITY)
KEY = "key"  # the source whose field is the object's external id
# Objects Salesforce owns (README "Who owns what"): the push updates records that came from Salesforce, by
# their Salesforce id (the key is the "Id" field), and writes only the product's own custom fields there.
OWNED_BY_SALESFORCE = frozenset({OPPORTUNITY})
# Bulk API 2.0 sets a field to null only when told so with this value (an empty cell leaves it unchanged).
BULK_NULL = "#N/A"


@dataclass(frozen=True)
class Source:
    """One value the product can send, and what kind of Salesforce field can hold it."""

    name: str
    label: str
    kind: str  # text, long_text, email, phone, url, number, datetime, date, boolean, reference, id
    create_only: bool = False  # set when the record is created, never updated (CampaignMember's parents)


# Salesforce field types that can hold each kind of value.
COMPATIBLE_TYPES: dict[str, frozenset[str]] = {
    "text": frozenset({"string", "textarea", "picklist", "combobox"}),
    "long_text": frozenset({"textarea", "string"}),
    "email": frozenset({"email", "string"}),
    "phone": frozenset({"phone", "string"}),
    "url": frozenset({"url", "string"}),
    "number": frozenset({"double", "int", "percent", "currency"}),
    "datetime": frozenset({"datetime"}),
    "date": frozenset({"date"}),
    "boolean": frozenset({"boolean"}),
    "reference": frozenset({"reference"}),
    "id": frozenset({"id"}),
}

SOURCES: dict[str, dict[str, Source]] = {
    ACCOUNT: {
        s.name: s
        for s in (
            Source(KEY, "Exchange key (external id)", "text"),
            Source("name", "Exchange name", "text"),
            Source("website", "Website", "url"),
            Source("country", "Headquarters country", "text"),
            Source("score", "Lead score (0-100)", "number"),
            Source("grade", "Grade (A-D)", "text"),
            Source("top_reasons", "Top reasons, one per line", "long_text"),
            Source("model_version", "Scoring model version", "number"),
            Source("scored_at", "Scored at", "datetime"),
            Source("our_share", "Our vendor's share of its cloud (%)", "number"),
            Source("largest_rival", "Largest rival vendor", "text"),
            Source("largest_rival_share", "Largest rival's share (%)", "number"),
            Source("compliance_pressure", "Compliance pressure", "long_text"),
            Source("size_tier", "Size tier in effect", "text"),
            Source("size_evidence", "What the size rests on: figure, source and date, or who set it", "long_text"),
            Source("licences", "Licence status by jurisdiction, with reference, source and date", "long_text"),
        )
    },
    LEAD: {
        s.name: s
        for s in (
            Source(KEY, "Person key (external id)", "text"),
            Source("first_name", "First name", "text"),
            Source("last_name", "Last name", "text"),
            Source("company", "Company", "text"),
            Source("title", "Title", "text"),
            Source("email", "Email", "email"),
            Source("phone", "Phone", "phone"),
            Source("lead_source", "Lead source", "text"),
            Source("exchange_key", "Exchange key of the matched exchange", "text"),
            Source("person_score", "Person score", "number"),
        )
    },
    CAMPAIGN: {
        s.name: s
        for s in (
            Source(KEY, "Event key (external id)", "text"),
            Source("name", "Event name", "text"),
            Source("start_date", "Starts on", "date"),
            Source("end_date", "Ends on", "date"),
            Source("type", "Campaign type", "text"),
            Source("is_active", "Active", "boolean"),
            Source("description", "Venue and city", "long_text"),
        )
    },
    MEMBER: {
        s.name: s
        for s in (
            Source(KEY, "Follow-up key (external id)", "text"),
            Source("campaign_id", "Campaign (Salesforce id)", "reference", create_only=True),
            Source("lead_id", "Lead (Salesforce id)", "reference", create_only=True),
            Source("contact_id", "Contact (Salesforce id)", "reference", create_only=True),
            Source("status", "Follow-up status", "text"),
        )
    },
    OPPORTUNITY: {
        s.name: s
        for s in (
            Source(KEY, "Salesforce Opportunity id (of an opportunity pulled from Salesforce)", "id"),
            Source("win_likelihood", "Win likelihood (%)", "number"),
            Source("win_model_version", "Win-likelihood model version", "number"),
            Source("win_reasons", "Win likelihood's three strongest reasons, one per line", "long_text"),
        )
    },
}

EXTERNAL_ID_FIELD = "Exchange_Intel_Key__c"

DEFAULT_FIELD_MAP: dict[str, dict[str, str]] = {
    ACCOUNT: {
        KEY: EXTERNAL_ID_FIELD,
        "name": "Name",
        "website": "Website",
        "country": "BillingCountry",
        "score": "Intel_Score__c",
        "grade": "Intel_Grade__c",
        "top_reasons": "Intel_Top_Reasons__c",
        "model_version": "Intel_Model_Version__c",
        "scored_at": "Intel_Scored_At__c",
        "our_share": "Intel_Our_Share__c",
        "largest_rival": "Intel_Largest_Rival__c",
        "largest_rival_share": "Intel_Largest_Rival_Share__c",
        "compliance_pressure": "Intel_Compliance_Pressure__c",
        "size_tier": "Intel_Size_Tier__c",
        "size_evidence": "Intel_Size_Evidence__c",
        "licences": "Intel_Licences__c",
    },
    LEAD: {
        KEY: EXTERNAL_ID_FIELD,
        "first_name": "FirstName",
        "last_name": "LastName",
        "company": "Company",
        "title": "Title",
        "email": "Email",
        "phone": "Phone",
        "lead_source": "LeadSource",
        "person_score": "Intel_Person_Score__c",
    },
    CAMPAIGN: {
        KEY: EXTERNAL_ID_FIELD,
        "name": "Name",
        "start_date": "StartDate",
        "end_date": "EndDate",
        "type": "Type",
        "is_active": "IsActive",
        "description": "Description",
    },
    MEMBER: {
        KEY: EXTERNAL_ID_FIELD,
        "campaign_id": "CampaignId",
        "lead_id": "LeadId",
        "contact_id": "ContactId",
        "status": "Status",
    },
    # The names leads.pipeline_training.salesforce_win_likelihood_fields gives them.
    OPPORTUNITY: {
        KEY: "Id",
        "win_likelihood": "Win_Likelihood__c",
        "win_model_version": "Win_Likelihood_Model__c",
        "win_reasons": "Win_Likelihood_Reasons__c",
    },
}


class FieldMapError(ValueError):
    """The field map does not fit the org; `problems` lists each, naming the object and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The Salesforce field map does not fit the org: " + "; ".join(problems))


@dataclass(frozen=True)
class FieldSpec:
    """What describe() says about one mapped field: its name and, for text, its length."""

    source: str
    field: str
    kind: str
    length: int = 0
    create_only: bool = False


FieldMap = dict[str, dict[str, str]]  # object -> source -> Salesforce field ("" = not sent)


def field_map_build(overrides: list[tuple[str, str, str]]) -> FieldMap:
    """The defaults with the admin's overrides (object, source, field) applied; "" removes a field."""
    field_map = {name: dict(fields) for name, fields in DEFAULT_FIELD_MAP.items()}
    for object_name, source, salesforce_field in overrides:
        if object_name not in SOURCES or source not in SOURCES[object_name]:
            raise FieldMapError([f"{object_name}: the product has no value named {source!r} to send"])
        if salesforce_field:
            field_map[object_name][source] = salesforce_field
        else:
            field_map[object_name].pop(source, None)
    return field_map


def field_map_validate(field_map: FieldMap, describes: dict[str, dict]) -> dict[str, list[FieldSpec]]:
    """Check each mapped field of the described objects against the org: it exists, its type can
    hold the value, and the integration user may write it (the key must be an external id, or the
    record's own Id on an object Salesforce owns, where only custom fields may be written). Returns
    the field specs per object, or raises FieldMapError listing every problem."""
    problems: list[str] = []
    specs: dict[str, list[FieldSpec]] = {}
    for object_name, describe in describes.items():
        fields = {f["name"]: f for f in describe.get("fields", [])}
        mapped = field_map.get(object_name, {})
        if KEY not in mapped:
            problems.append(f"{object_name}: no external id field is mapped")
        specs[object_name] = []
        for source_name, field_name in mapped.items():
            source = SOURCES[object_name][source_name]
            label = f"{object_name}.{field_name} ({source.label})"
            meta = fields.get(field_name)
            if meta is None:
                problems.append(f"{label} does not exist in the org (or the integration user cannot see it)")
                continue
            if meta.get("type") not in COMPATIBLE_TYPES[source.kind]:
                problems.append(f"{label} is of type {meta.get('type')}, which cannot hold a {source.kind} value")
                continue
            if source.kind == "id":  # names the record to update; never written
                specs[object_name].append(FieldSpec(source_name, field_name, source.kind))
                continue
            if object_name in OWNED_BY_SALESFORCE and not field_name.endswith("__c"):
                problems.append(f"{label} is Salesforce's own field: the product writes only its custom fields there")
                continue
            if source_name == KEY and not meta.get("externalId"):
                problems.append(f"{label} is not marked as an external id")
            writable = meta.get("createable") if source.create_only else meta.get("updateable")
            if not writable:
                problems.append(f"{label} is not {'createable' if source.create_only else 'updateable'}")
            length = int(meta.get("length") or 0) if meta.get("type") in COMPATIBLE_TYPES["long_text"] else 0
            specs[object_name].append(FieldSpec(source_name, field_name, source.kind, length, source.create_only))
    if problems:
        raise FieldMapError(problems)
    return specs


def _wire(value: Any, spec: FieldSpec) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and spec.length and len(value) > spec.length:
        # A value longer than the field would fail the whole record (STRING_TOO_LONG).
        return value[: spec.length - 1] + "…"
    return value


def record_build(specs: list[FieldSpec], values: dict[str, Any], *, for_update: bool = False) -> dict[str, Any]:
    """The record to send: each mapped field with its value in Salesforce's wire format. A value the
    product lacks is sent as null, so a field emptied in the product is emptied in Salesforce."""
    record: dict[str, Any] = {}
    for spec in specs:
        if spec.source not in values or (for_update and spec.create_only):
            continue
        if spec.create_only and values[spec.source] is None:
            continue
        record[spec.field] = _wire(values[spec.source], spec)
    return record


def payload_hash(values: dict[str, Any]) -> str:
    """A fingerprint of what would be sent, so an unchanged record costs no API call."""
    text = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def csv_build(records: list[dict[str, Any]]) -> str:
    """Bulk API 2.0 CSV: a header of field names, LF line endings, nulls as #N/A."""
    columns: list[str] = []
    for record in records:
        columns.extend(name for name in record if name not in columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_cell(record.get(name)) for name in columns])
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return BULK_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def error_split(text: str) -> tuple[str, str]:
    """Bulk results give an error as "CODE:message"; split it."""
    code, _, message = text.partition(":")
    if code and code.replace("_", "").isalnum() and code.upper() == code:
        return code, message.strip()
    return "", text.strip()
