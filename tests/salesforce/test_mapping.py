"""The field map: defaults, a manager's overrides, validation against describe(), and the wire format."""

import datetime
from decimal import Decimal

import pytest

from leads.salesforce.mapping import (
    DEFAULT_FIELD_MAP,
    FieldMapError,
    FieldSpec,
    csv_build,
    error_split,
    field_map_build,
    field_map_validate,
    record_build,
)
from tests.salesforce.fake.org import default_fields


def describes(*objects):
    fields = default_fields()
    return {name: {"name": name, "fields": fields[name]} for name in objects}


def test_the_default_map_fits_an_org_with_the_documented_custom_fields():
    specs = field_map_validate(field_map_build([]), describes("Account", "Lead", "Campaign", "CampaignMember"))
    assert [s.field for s in specs["Account"]] == list(DEFAULT_FIELD_MAP["Account"].values())
    assert [s.length for s in specs["Account"] if s.length] == [100, 255, 80, 1000, 100, 1000, 1000, 32000]


def test_every_problem_is_named_with_its_object_and_field():
    # given an org whose fields differ from the map in four ways
    org = describes("Account")
    fields = {f["name"]: f for f in org["Account"]["fields"]}
    del fields["Intel_Grade__c"]
    fields["Intel_Score__c"]["type"] = "datetime"
    fields["Website"]["updateable"] = False
    fields["Exchange_Intel_Key__c"]["externalId"] = False
    org["Account"]["fields"] = list(fields.values())

    # when the map is validated, then each problem is listed
    with pytest.raises(FieldMapError) as problems:
        field_map_validate(field_map_build([]), org)
    assert problems.value.problems == [
        "Account.Exchange_Intel_Key__c (Exchange key (external id)) is not marked as an external id",
        "Account.Website (Website) is not updateable",
        "Account.Intel_Score__c (Lead score (0-100)) is of type datetime, which cannot hold a number value",
        "Account.Intel_Grade__c (Grade (A-D)) does not exist in the org (or the integration user cannot see it)",
    ]


def test_create_only_fields_need_only_be_createable():
    specs = field_map_validate(field_map_build([]), describes("CampaignMember"))
    assert [(s.field, s.create_only) for s in specs["CampaignMember"]] == [
        ("Exchange_Intel_Key__c", False),
        ("CampaignId", True),
        ("LeadId", True),
        ("ContactId", True),
        ("Status", False),
    ]


def test_an_override_moves_or_removes_a_field_and_an_unknown_value_is_refused():
    field_map = field_map_build([("Account", "grade", "Rating"), ("Account", "website", "")])
    assert field_map["Account"]["grade"] == "Rating"
    assert "website" not in field_map["Account"]
    with pytest.raises(FieldMapError, match="Account: the product has no value named 'revenue' to send"):
        field_map_build([("Account", "revenue", "AnnualRevenue")])


def test_a_record_is_built_in_salesforces_wire_format():
    specs = [
        FieldSpec("scored_at", "Scored_At__c", "datetime"),
        FieldSpec("start", "StartDate", "date"),
        FieldSpec("share", "Share__c", "number"),
        FieldSpec("reasons", "Reasons__c", "long_text", length=10),
        FieldSpec("empty", "Empty__c", "text"),
        FieldSpec("campaign_id", "CampaignId", "reference", create_only=True),
    ]
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    values = {
        "scored_at": datetime.datetime(2025, 8, 25, 18, 30, tzinfo=tokyo),
        "start": datetime.date(2025, 8, 25),
        "share": Decimal("60.00"),
        "reasons": "A very long list of reasons",
        "empty": "",
        "campaign_id": "701000000000001AAA",
    }
    assert record_build(specs, values) == {
        "Scored_At__c": "2025-08-25T09:30:00.000Z",
        "StartDate": "2025-08-25",
        "Share__c": 60.0,
        "Reasons__c": "A very lo…",
        "Empty__c": None,
        "CampaignId": "701000000000001AAA",
    }
    assert "CampaignId" not in record_build(specs, values, for_update=True)


def test_bulk_csv_marks_nulls_with_na_and_quotes_what_needs_it():
    text = csv_build([{"Name": 'Gate, "io"', "Score__c": None, "Active__c": True}, {"Name": "OKX", "Score__c": 3}])
    assert text == 'Name,Score__c,Active__c\n"Gate, ""io""",#N/A,true\nOKX,3,#N/A\n'


def test_bulk_errors_are_split_into_code_and_message():
    assert error_split("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --") == (
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [Name]:Name --",
    )
    assert error_split("something odd") == ("", "something odd")
