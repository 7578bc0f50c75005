"""Merging two accounts: the source's evidence, contacts and history move to the target (apps
register their own movers in crm.merging), conflicts keep the stronger evidence, and the merge is
recorded."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crm.access import is_manager
from crm.choices import EVIDENCE_STRENGTH, FactOrigin, SizeTier
from crm.merging import MergeContext, registered_movers
from crm.models import (
    Activity,
    Allocation,
    Contact,
    Exchange,
    ExchangeMerge,
    Presence,
)
from crm.services import evidence_changed

# A person's entry wins over a register's, a register's over the catalogue's (DESIGN.md).
ORIGIN_RANK = {FactOrigin.PERSON: 3, FactOrigin.REGISTER: 2, FactOrigin.CATALOGUE: 1, FactOrigin.GENERATED: 0}


def _allocation_strength(allocation: Allocation) -> tuple[int, int, datetime.date]:
    """Stronger kind of evidence first, then the higher confidence, then the newer observation."""
    return (
        EVIDENCE_STRENGTH.get(allocation.evidence_source, 50),
        allocation.confidence if allocation.confidence is not None else 0,
        allocation.observed_on,
    )


def _allocation_words(allocation: Allocation, exchange: Exchange) -> str:
    return (
        f"{exchange.name}'s allocation on {allocation.vendor.name} ({allocation.get_workload_display()}, "
        f"{allocation.share_percent.normalize():f}%, {allocation.get_evidence_source_display()})"
    )


def _presence_rank(presence: Presence) -> tuple[int, datetime.date]:
    return (ORIGIN_RANK.get(presence.origin, 0), presence.source_date or datetime.date.min)


def _merge_allocations(*, source: Exchange, target: Exchange, dropped: list[str]) -> int:
    """Move the source's allocations, keeping one per vendor and workload (the stronger evidence)
    and each workload at or under 100% (the weakest go first). Returns how many moved."""
    kept: dict[tuple[int, str], tuple[Allocation, Exchange]] = {
        (a.vendor_id, a.workload): (a, target) for a in target.allocations.select_related("vendor")
    }
    losers: list[Allocation] = []
    for allocation in source.allocations.select_related("vendor").order_by("pk"):
        key = (allocation.vendor_id, allocation.workload)
        if key not in kept:
            kept[key] = (allocation, source)
            continue
        other, other_owner = kept[key]
        if _allocation_strength(allocation) > _allocation_strength(other):
            kept[key] = (allocation, source)
            losers.append(other)
            dropped.append(
                f"Dropped {_allocation_words(other, other_owner)}: "
                f"{_allocation_words(allocation, source)} is stronger evidence."
            )
        else:
            losers.append(allocation)
            dropped.append(
                f"Dropped {_allocation_words(allocation, source)}: "
                f"{_allocation_words(other, other_owner)} is as strong or stronger."
            )
    by_workload: dict[str, list[tuple[Allocation, Exchange]]] = {}
    for pair in kept.values():
        by_workload.setdefault(pair[0].workload, []).append(pair)
    for workload in sorted(by_workload):
        # Weakest first; on a tie the source's row goes before the target's.
        pairs = sorted(by_workload[workload], key=lambda p: (_allocation_strength(p[0]), p[1] == target, -p[0].pk))
        total = sum((a.share_percent for a, _ in pairs), Decimal("0"))
        while total > 100:
            weakest, owner = pairs.pop(0)
            total -= weakest.share_percent
            losers.append(weakest)
            del kept[(weakest.vendor_id, weakest.workload)]
            dropped.append(
                f"Dropped {_allocation_words(weakest, owner)}: the shares for "
                f"'{weakest.get_workload_display()}' would add up to more than 100%."
            )
    Allocation.objects.filter(pk__in=[a.pk for a in losers]).delete()
    incoming = [a.pk for a, owner in kept.values() if owner == source]
    Allocation.objects.filter(pk__in=incoming).update(exchange=target)
    return len(incoming)


def _merge_presences(*, source: Exchange, target: Exchange, dropped: list[str]) -> int:
    """Move the source's presences, one per jurisdiction: a person's over a register's over the catalogue's."""
    kept = {p.jurisdiction_id: p for p in target.presences.select_related("jurisdiction")}
    losers, incoming = [], []
    for presence in source.presences.select_related("jurisdiction").order_by("pk"):
        other = kept.get(presence.jurisdiction_id)
        if other is None:
            incoming.append(presence.pk)
        elif _presence_rank(presence) > _presence_rank(other):
            losers.append(other.pk)
            incoming.append(presence.pk)
            dropped.append(
                f"Dropped {target.name}'s presence in {other.jurisdiction.code} ({other.get_origin_display()}): "
                f"{source.name}'s ({presence.get_origin_display()}) wins."
            )
        else:
            losers.append(presence.pk)
            dropped.append(
                f"Dropped {source.name}'s presence in {presence.jurisdiction.code} ({presence.get_origin_display()}): "
                f"{target.name}'s ({other.get_origin_display()}) wins."
            )
    Presence.objects.filter(pk__in=losers).delete()
    Presence.objects.filter(pk__in=incoming).update(exchange=target)
    return len(incoming)


def exchange_merge_refusal(*, source: Exchange, target: Exchange, user) -> str:
    """Why this merge may not happen ('' when it may): the one rule the page, the admin and the service share."""
    if not is_manager(user):
        return "Only a manager merges accounts."
    if source.pk == target.pk:
        return f"{target.name} cannot be merged into itself."
    if target.family_id == source.pk:
        return (
            f"{target.name} is a variant of {source.name}: merging the family into its own variant would make "
            f"the family a variant of itself. Merge {target.name} into {source.name} instead."
        )
    return ""


@transaction.atomic
def exchange_merge(*, source: Exchange, target: Exchange, user) -> ExchangeMerge:
    """Merge account `source` into `target` (a manager only): its evidence, people and history move
    to the target, what conflicts keeps the stronger evidence, the apps downstream move their rows
    through their registered movers (crm.merging), the merge is recorded and the source deleted.
    The target is rescored after commit."""
    if not is_manager(user):
        raise PermissionDenied("Only a manager merges accounts.")
    locked = {
        e.pk: e for e in Exchange.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    if source.pk not in locked or target.pk not in locked:
        raise ValidationError({"source": "That account no longer exists (merged or deleted already?)."})
    source, target = locked[source.pk], locked[target.pk]
    if refusal := exchange_merge_refusal(source=source, target=target, user=user):
        raise ValidationError({"source": refusal})

    moved: Counter[str] = Counter()
    dropped: list[str] = []
    moved["allocations"] = _merge_allocations(source=source, target=target, dropped=dropped)
    moved["presences"] = _merge_presences(source=source, target=target, dropped=dropped)

    # People: a source contact with the same email as a target contact is the same person.
    target_emails = {c.email.lower(): c.pk for c in target.contacts.exclude(email="")}
    replaced: dict[int, int] = {}
    incoming_contacts = []
    for contact in source.contacts.order_by("pk"):
        if contact.email and contact.email.lower() in target_emails:
            replaced[contact.pk] = target_emails[contact.email.lower()]
        else:
            incoming_contacts.append(contact.pk)
    moved["contacts"] = Contact.objects.filter(pk__in=incoming_contacts).update(exchange=target)
    moved["activities"] = Activity.objects.filter(exchange=source).update(exchange=target)
    for old, new in replaced.items():
        Activity.objects.filter(contact_id=old).update(contact_id=new)

    moved["variants"] = Exchange.objects.filter(family=source).update(family_id=target.family_id or target.pk)
    moved["earlier_merges"] = ExchangeMerge.objects.filter(target=source).update(target=target)

    if target.size_tier_by_hand == SizeTier.UNKNOWN and source.size_tier_by_hand != SizeTier.UNKNOWN:
        target.size_tier_by_hand, target.size_source = source.size_tier_by_hand, source.size_source
        target.size_set_by_id, target.size_set_on = source.size_set_by_id, source.size_set_on
        target.save(update_fields=["size_tier_by_hand", "size_source", "size_set_by", "size_set_on", "updated_at"])
        moved["size_set_by_hand"] = 1

    context = MergeContext(source=source, target=target, user=user, replaced_contacts=dict(replaced))
    for mover in registered_movers():
        moved.update(mover(context))

    moved["duplicate_contacts"] = len(replaced)
    Contact.objects.filter(pk__in=replaced).delete()
    merge = ExchangeMerge.objects.create(
        target=target,
        source_name=source.name,
        source_slug=source.slug,
        source_website=source.website,
        source_ccxt_id=source.ccxt_id or "",
        merged_by=user if getattr(user, "pk", None) else None,
        moved=dict(sorted(moved.items())),
        dropped=dropped,
    )
    source.delete()
    evidence_changed(exchange_ids=[target.pk], cause="merge", reference=f"merge:{merge.pk}")
    return merge
