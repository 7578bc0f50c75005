"""Applying a pulled Opportunity: Salesforce owns it once it comes from Salesforce (name, stage, amount,
probability, close date, won/lost, the rival, the reason and the owner); one deleted there is deleted
here. The owner is the active product user whose email is the Salesforce owner's (Owner.Email), compared
case-insensitively; an email no one such user has (nobody, or several) leaves the owner as it was, and
is reported."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.dateparse import parse_date

from crm.models import CloudVendor, Exchange
from leads.choices import OpportunitySource, OpportunityStage
from leads.models import Opportunity
from leads.pipeline_stages import stage_from_salesforce
from leads.salesforce.pulling.records import (
    OPPORTUNITY_FIELDS,
    OWNER_EMAIL,
    ObjectTally,
    Refused,
    _boolean,
    _instant,
    _refusal,
)
from leads.services.opportunities import opportunity_create, opportunity_update


def owners_by_email(records: list[dict]) -> dict[str, list]:
    """The active product users whose email is one of these records' owners' (Owner.Email), compared
    case-insensitively: email in lower case -> the users who have it. One query for a page."""
    emails = {(record.get(OWNER_EMAIL) or "").strip().lower() for record in records} - {""}
    owners: dict[str, list] = {}
    if not emails:
        return owners
    users = get_user_model().objects.annotate(email_lower=Lower("email"))
    for user in users.filter(is_active=True, email_lower__in=emails).order_by("pk"):
        owners.setdefault(user.email.lower(), []).append(user)
    return owners


class OpportunityApplier:
    """The Opportunities part of the Applier (leads.salesforce.pulling.runs); needs its exchange_of."""

    def vendor(self, name: str) -> CloudVendor | None:
        if self._vendors is None:
            self._vendors = {}
            for vendor in CloudVendor.objects.all():
                self._vendors[vendor.name.casefold()] = vendor
                self._vendors[vendor.slug.casefold()] = vendor
        return self._vendors.get(name.strip().casefold())

    def opportunity(
        self, record: dict, tally: ObjectTally, existing: Opportunity | None, owners: dict[str, list]
    ) -> None:
        """Apply one record; `owners` is owners_by_email of its page."""
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
        owner_email = (record.get(OWNER_EMAIL) or "").strip()
        matches = owners.get(owner_email.lower(), []) if owner_email else []
        if len(matches) == 1:
            fields["owner"] = matches[0]  # Salesforce owns the owner too: a newer record moves it
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
        if owner_email and len(matches) != 1:
            tally.owners_not_found += 1
            self.report.owner_not_found(owner_email, users=len(matches), salesforce_id=record["Id"])

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
