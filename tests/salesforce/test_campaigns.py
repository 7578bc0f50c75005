"""After an event: followed-up people become Leads in one Campaign, with the follow-up statuses as
campaign member statuses; a status change updates the member, never adds a second one."""

import pytest

from crm.models import Contact
from leads.salesforce.models import SyncRecord
from leads.salesforce.services import salesforce_sync
from tests.crm.factories import ExchangeFactory
from tests.salesforce.factories import followed_up, status_change, webx

pytestmark = pytest.mark.django_db


def test_followed_up_people_arrive_as_leads_in_one_campaign_with_their_statuses(salesforce):
    # given WebX with three followed-up people, one matched to a known contact at Bybit
    event = webx()
    bybit = ExchangeFactory(name="Bybit", slug="bybit")
    contact = Contact.objects.create(
        exchange=bybit, full_name="Ken Tanaka", title="Head of Infrastructure", email="ken@bybit.example"
    )
    ken = followed_up(
        event, "Ken Tanaka", email="ken@bybit.example", exchange=bybit, contact=contact, status="contacted"
    )
    followed_up(event, "Aiko Sato", email="aiko@okx.example", status="to_do")
    followed_up(event, "Lee Min", email="lee@gate.example", status="meeting_booked")

    # when the sync runs
    outcome = salesforce_sync()

    # then one Campaign, its four member statuses set up once, three Leads, three members
    assert outcome.status == "succeeded"
    org = salesforce.org
    [campaign] = org.all("Campaign")
    assert {
        k: campaign[k]
        for k in ("Exchange_Intel_Key__c", "Name", "StartDate", "EndDate", "Type", "IsActive", "Description")
    } == {
        "Exchange_Intel_Key__c": f"event-{event.pk}",
        "Name": "WebX 2025",
        "StartDate": "2025-08-25",
        "EndDate": "2025-08-25",
        "Type": "Conference",
        "IsActive": True,
        "Description": "The Prince Park Tower, Tokyo, Japan",
    }
    assert org.campaign_statuses(campaign["Id"]) == [
        "Sent",
        "Responded",
        "To do",
        "Contacted",
        "Meeting booked",
        "Not a fit",
    ]
    statuses_call = salesforce.calls_to("POST", r"/composite/sobjects$")[0]
    assert statuses_call.json["records"][0] == {
        "attributes": {"type": "CampaignMemberStatus"},
        "CampaignId": campaign["Id"],
        "Label": "To do",
        "SortOrder": 3,
        "IsDefault": True,
        "HasResponded": False,
    }
    leads = {lead["LastName"]: lead for lead in org.all("Lead")}
    assert sorted(leads) == ["Min", "Sato", "Tanaka"]
    assert {
        k: leads["Tanaka"][k] for k in ("Exchange_Intel_Key__c", "FirstName", "Company", "Title", "Email", "LeadSource")
    } == {
        "Exchange_Intel_Key__c": f"contact-{contact.pk}",
        "FirstName": "Ken",
        "Company": "Bybit",
        "Title": "Head of Infrastructure",
        "Email": "ken@bybit.example",
        "LeadSource": "Event",
    }
    members = {m["LeadId"]: m["Status"] for m in org.members_of(campaign["Id"])}
    assert members == {
        leads["Tanaka"]["Id"]: "Contacted",
        leads["Sato"]["Id"]: "To do",
        leads["Min"]["Id"]: "Meeting booked",
    }
    # and the matched contact now carries its Lead id
    contact.refresh_from_db()
    assert contact.salesforce_id == leads["Tanaka"]["Id"]

    # when a rep books a meeting with Ken and the sync runs again
    status_change(ken, "meeting_booked")
    salesforce.requests.clear()
    salesforce_sync()

    # then the member is updated by its id (one call), not inserted again
    assert [(r.method, r.path) for r in salesforce.requests] == [("PATCH", "/services/data/v62.0/composite/sobjects")]
    member_id = SyncRecord.objects.get(object_name="CampaignMember", key=f"event-{event.pk}/contact-{contact.pk}")
    assert salesforce.requests[0].json == {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "CampaignMember"}, "id": member_id.salesforce_id, "Status": "Meeting booked"}
        ],
    }
    assert len(org.members_of(campaign["Id"])) == 3
    assert {m["LeadId"]: m["Status"] for m in org.members_of(campaign["Id"])}[leads["Tanaka"]["Id"]] == (
        "Meeting booked"
    )
    assert len(org.all("CampaignMemberStatus")) == 4


def test_a_person_already_a_salesforce_contact_joins_the_campaign_as_that_contact(salesforce):
    # given a followed-up person whose contact is already a Contact in Salesforce
    event = webx()
    bybit = ExchangeFactory(name="Bybit", slug="bybit")
    existing = salesforce.org.insert("Contact", {"LastName": "Tanaka"})
    contact = Contact.objects.create(exchange=bybit, full_name="Ken Tanaka", salesforce_id=existing["Id"])
    followed_up(event, "Ken Tanaka", exchange=bybit, contact=contact, status="contacted")

    # when the sync runs
    salesforce_sync()

    # then no Lead is created: the Contact becomes the campaign member
    assert salesforce.org.all("Lead") == []
    [member] = salesforce.org.all("CampaignMember")
    assert (member["ContactId"], member["Status"], "LeadId" in member) == (existing["Id"], "Contacted", False)


def test_a_member_salesforce_already_has_is_reported_not_inserted_twice(salesforce):
    # given a person someone already added to the campaign by hand in Salesforce
    event = webx()
    followed_up(event, "Aiko Sato", email="aiko@okx.example")
    salesforce_sync()
    member = SyncRecord.objects.get(object_name="CampaignMember")
    lead = salesforce.org.all("Lead")[0]
    campaign = salesforce.org.all("Campaign")[0]
    salesforce.org.delete("CampaignMember", member.salesforce_id)
    salesforce.org.insert("CampaignMember", {"CampaignId": campaign["Id"], "LeadId": lead["Id"], "Status": "Sent"})
    SyncRecord.objects.filter(pk=member.pk).update(salesforce_id="", payload_hash="", state="pending")

    # when the sync sends the member again
    outcome = salesforce_sync()

    # then Salesforce's DUPLICATE_VALUE is shown to the manager, and there is still one member
    assert outcome.status == "partial"
    member.refresh_from_db()
    assert (member.state, member.error_code) == ("failed", "DUPLICATE_VALUE")
    assert len(salesforce.org.members_of(campaign["Id"])) == 1
