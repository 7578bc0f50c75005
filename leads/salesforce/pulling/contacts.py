"""Applying a pulled Contact: Salesforce owns its name, title, email and phone; a contact deleted in
Salesforce keeps living here, unlinked."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from crm.models import Contact
from crm.services import contact_save
from leads.salesforce.pulling.records import CONTACT_FIELDS, ObjectTally, Refused, _refusal


class ContactApplier:
    """The Contacts part of the Applier (leads.salesforce.pulling.runs); needs its exchange_of."""

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
