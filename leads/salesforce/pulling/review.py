"""A manager's review of a pulled Salesforce Account, and an exchange merge carrying its Accounts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Exchange
from intel.choices import MatchMethod, MatchStatus
from leads.salesforce.models import PulledAccount, PullIssue
from leads.salesforce.pulling.records import CONTACT, OPPORTUNITY, PullReport
from leads.salesforce.pulling.runs import Applier, held_apply


@transaction.atomic
def pulled_account_decide(*, account: PulledAccount, exchange: Exchange | None, user) -> dict[str, int]:
    """A manager's decision on a Salesforce Account: this exchange (it is linked, and the contacts and
    opportunities held for it are applied now), or none (they are dropped). Returns what was applied."""
    from crm.access import is_manager

    if not is_manager(user):
        raise ValidationError(_("Only a manager decides which exchange a Salesforce Account is."))
    account.reviewed_by, account.reviewed_at = user, timezone.now()
    account.match_method = MatchMethod.MANUAL
    if exchange is None:
        account.exchange, account.match_status, account.match_confidence = None, MatchStatus.NOT_AN_EXCHANGE, 0
    else:
        account.exchange, account.match_status, account.match_confidence = exchange, MatchStatus.MATCHED, 100
        Exchange.objects.filter(pk=exchange.pk, salesforce_account_id="").update(
            salesforce_account_id=account.salesforce_id
        )
    account.save()
    held = PullIssue.objects.filter(
        kind=PullIssue.Kind.HELD, account_salesforce_id=account.salesforce_id, resolved_at__isnull=True
    ).order_by("object_name", "pk")
    outcome = {"applied": 0, "refused": 0, "dropped": 0}
    if exchange is None:
        outcome["dropped"] = held.update(resolved_at=timezone.now())
        return outcome
    from leads.salesforce.conf import salesforce_settings

    report = PullReport()
    held_apply([account.salesforce_id], Applier(run=None, report=report, config=salesforce_settings()), report, None)
    outcome["applied"] = report.tallies[CONTACT].from_held + report.tallies[OPPORTUNITY].from_held
    outcome["refused"] = report.tallies[CONTACT].refused + report.tallies[OPPORTUNITY].refused
    return outcome


def exchange_merge_move_salesforce_accounts(context) -> dict[str, int]:
    """An account merge: the Salesforce Accounts matched to the source are the target's now, and the
    target takes the source's Salesforce Account id when it has none (so the link survives the merge)."""
    moved = PulledAccount.objects.filter(exchange=context.source).update(exchange=context.target)
    if context.source.salesforce_account_id:
        Exchange.objects.filter(pk=context.target.pk, salesforce_account_id="").update(
            salesforce_account_id=context.source.salesforce_account_id
        )
    return {"salesforce_accounts": moved}
