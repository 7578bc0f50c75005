"""The evidence's part of an account merge (registered with crm.merging in IntelConfig.ready()):
people met at events, signals' exchange links, market figures, register entries, aliases and the
cloud footprint move to the target, and the source's name and domain become the target's aliases so
a later import matches the target."""

from crm.merging import MergeContext
from intel.choices import AliasKind
from intel.models import Attendee, ExchangeAlias, MarketFigure, RegisterEntry, Signal


def exchange_merge_move_evidence(context: MergeContext) -> dict[str, int]:
    from intel.technographics.models import CloudDetection, Endpoint

    source, target = context.source, context.target
    attendees = Attendee.objects.filter(exchange=source).update(exchange=target)
    for old, new in context.replaced_contacts.items():
        Attendee.objects.filter(contact_id=old).update(contact_id=new)

    links = Signal.exchanges.through.objects
    already = links.filter(exchange=target).values("signal_id")
    links.filter(exchange=source, signal_id__in=already).delete()  # the signal names both: one link is enough
    signals = links.filter(exchange=source).update(exchange=target)

    market_figures = MarketFigure.objects.filter(exchange=source).update(exchange=target)
    register_entries = RegisterEntry.objects.filter(exchange=source).update(exchange=target)
    aliases = ExchangeAlias.objects.filter(exchange=source).update(exchange=target)

    hosts = Endpoint.objects.filter(exchange=target).values("host")
    Endpoint.objects.filter(exchange=source, host__in=hosts).delete()
    endpoints = Endpoint.objects.filter(exchange=source).update(exchange=target)
    detections = CloudDetection.objects.filter(exchange=source).update(exchange=target)

    added = 0
    for kind, alias in ((AliasKind.NAME, source.name), (AliasKind.DOMAIN, source.domain)):
        normalised = ExchangeAlias.normalise(kind, alias) if alias else ""
        # An alias already pointing somewhere is someone's decision: leave it.
        if not normalised or ExchangeAlias.objects.filter(kind=kind, normalised=normalised).exists():
            continue
        ExchangeAlias.objects.create(
            exchange=target,
            kind=kind,
            alias=alias,
            source=f"merged from {source.name}",
            created_by=context.user if getattr(context.user, "pk", None) else None,
        )
        added += 1
    return {
        "attendees": attendees,
        "signals": signals,
        "market_figures": market_figures,
        "register_entries": register_entries,
        "aliases": aliases,
        "aliases_added": added,
        "endpoints": endpoints,
        "cloud_detections": detections,
    }
