"""Applying a pulled Account: matched to an exchange (its id, its link, or the matcher), held for a
manager's review, or matched to none; and the exchange a contact's or opportunity's Account stands for."""

from __future__ import annotations

from crm.models import Exchange
from intel.choices import MatchStatus
from intel.queries import matcher_load
from leads.salesforce.mapping import EXTERNAL_ID_FIELD
from leads.salesforce.models import PulledAccount
from leads.salesforce.pulling.records import (
    MATCH_METHOD_EXTERNAL_ID,
    MATCH_METHOD_SALESFORCE_ID,
    Held,
    ObjectTally,
    Refused,
    _instant,
)


class AccountApplier:
    """The Accounts part of the Applier (leads.salesforce.pulling.runs), which holds the per-pull state."""

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
