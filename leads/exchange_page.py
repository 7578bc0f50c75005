"""The exchange page's context: the score and its factors with their evidence, shares, presences and
licences, the timeline, history and contacts, and what the viewer may change."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.access import is_manager, may_change_exchange, visible_exchange_ids
from crm.charts import Bar, Segment, allocation_bars, score_history, vendor_colours
from crm.choices import EVIDENCE_STRENGTH, FactOrigin, SizeTier, Workload
from crm.models import Exchange, ExchangeMerge
from crm.names import person_name_of
from crm.shares import stored_shares_in_view
from intel.choices import SignalKind
from intel.models import MarketFigure, Signal
from intel.outages import outage_exposure
from intel.queries import licence_disagreements, regulatory_pressure
from intel.technographics.footprint import exchange_footprint
from leads.models import Score, ScoreChange
from leads.pages import change_cause, factor_rows
from leads.pipeline_reports import exchange_opportunities

# The words of intel.outages.Reach (a pure module, without Django), marked here for the catalogues.
REACH_WORDS = (gettext_noop("hit"), gettext_noop("possibly affected (region unknown)"), gettext_noop("not affected"))
TIMELINE_LENGTH = 40
HISTORY_LENGTH = 30
HISTORY_LISTED = 5  # the newest changes listed under the chart, each with what moved it


def _activity_label(activity) -> str:
    """'Call by Kenji Sato with Taro Yamada', in the reader's language."""
    words = {
        "kind": _(activity.get_kind_display()),
        "rep": (activity.rep.get_full_name() or activity.rep.get_username()) if activity.rep else "",
        "contact": person_name_of(activity.contact) if activity.contact else "",
    }
    if words["rep"] and words["contact"]:
        return _("%(kind)s by %(rep)s with %(contact)s") % words
    if words["rep"]:
        return _("%(kind)s by %(rep)s") % words
    if words["contact"]:
        return _("%(kind)s with %(contact)s") % words
    return words["kind"]


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # "activity" | "signal"
    anchor: str
    occurred_at: datetime.datetime
    title: str
    detail: str
    label: str
    url: str = ""


def exchange_context(*, exchange: Exchange, user, now: datetime.datetime) -> dict:
    score = Score.objects.filter(exchange=exchange).first()
    allocations = list(exchange.allocations.select_related("vendor").order_by("workload", "-share_percent"))
    presences = list(exchange.presences.select_related("jurisdiction").order_by("jurisdiction__code"))
    contacts = list(exchange.contacts.order_by("full_name"))
    history = list(ScoreChange.objects.filter(exchange=exchange).order_by("-id")[:HISTORY_LENGTH])[::-1]
    for change in history[-HISTORY_LISTED:]:
        # What moved it, in the reader's language: the row keeps its factors' messages and parameters.
        change.reason = change_cause(change)

    home_slug = settings.CRM_HOME_VENDOR
    vendor_names = sorted({a.vendor.name for a in allocations}, key=lambda n: n.lower())
    home_name = next((a.vendor.name for a in allocations if a.vendor.slug == home_slug), None)
    colours = vendor_colours(vendor_names, home_name)
    by_workload: dict[str, list] = defaultdict(list)
    for allocation in allocations:
        by_workload[_(allocation.get_workload_display())].append(allocation)
    bars = [
        Bar(
            label=workload,
            segments=tuple(
                Segment(
                    label=a.vendor.name,
                    share=float(a.share_percent),
                    confidence=a.confidence
                    if a.confidence is not None
                    else EVIDENCE_STRENGTH.get(a.evidence_source, 50),
                    is_home=a.vendor.slug == home_slug,
                )
                for a in rows
            ),
        )
        for workload, rows in by_workload.items()
    ]
    # The same workload and shares the score speaks of (crm.shares is the one owner of the answer).
    shares = stored_shares_in_view(allocations, home_slug=home_slug)

    pressures = regulatory_pressure(as_of=now.date(), exchanges=[exchange.pk])
    # A person's status the newest register reading contradicts: both are shown (intel.queries).
    disagreements = {reading.presence_id: reading for reading in licence_disagreements([exchange.pk])}
    presence_rows = [
        {
            "presence": p,
            "pressure": [r for r in pressures if r.jurisdiction_code == p.jurisdiction.code],
            # A status made up for a demo must not pass for a reported one.
            "is_generated": p.origin == FactOrigin.GENERATED or "GENERATED" in p.source,
            "register": disagreements.get(p.pk),
        }
        for p in presences
    ]

    vendor_ids = {a.vendor_id for a in allocations}
    # Outages on its vendors that reach it (intel.outages): one in another region is not its news.
    names_it = Signal.exchanges.through.objects.filter(signal_id=OuterRef("pk"), exchange_id=exchange.pk)
    reach: dict[int, str] = {}
    signals = []
    for s in (
        Signal.objects.filter(Q(exchanges=exchange) | Q(kind=SignalKind.OUTAGE, vendor_id__in=vendor_ids))
        .annotate(names_it=Exists(names_it))
        .select_related("vendor")
        .distinct()
        .order_by("-occurred_at")[: 3 * TIMELINE_LENGTH]
    ):
        if s.kind == SignalKind.OUTAGE and s.vendor_id is not None:
            exposure = outage_exposure(
                outage_vendor_id=s.vendor_id,
                outage_region_code=s.vendor_region_code,
                allocations=allocations,
                names_exchange=s.names_it,
            )
            if exposure is None:
                continue
            reach[s.pk] = exposure.reach.words
        signals.append(s)
    signals = signals[:TIMELINE_LENGTH]
    activities = list(exchange.activities.select_related("rep", "contact").order_by("-occurred_at")[:TIMELINE_LENGTH])
    timeline = [
        TimelineItem(
            kind="activity",
            anchor=f"activity-{a.pk}",
            occurred_at=a.occurred_at,
            title=a.summary,
            detail=a.details,
            label=_activity_label(a),
        )
        for a in activities
    ] + [
        TimelineItem(
            kind="signal",
            anchor=f"signal-{s.pk}",
            occurred_at=s.occurred_at,
            title=s.title,
            detail=s.details,
            label=_(s.get_kind_display())
            + (f" · {s.vendor.name}" if s.vendor else "")
            + (f" {s.vendor_region_code}" if s.vendor_region_code else "")
            + (f" · {_(reach[s.pk])}" if s.pk in reach else "")
            + " · "
            + _("severity %(severity)s") % {"severity": s.severity},
            url=s.source_url,
        )
        for s in signals
    ]
    timeline.sort(key=lambda item: item.occurred_at, reverse=True)

    # The size a rep reads: the tier in effect, what a person set by hand and the newest market figure
    # side by side, so a disagreement shows.
    market_figure = (
        MarketFigure.objects.newest_per_exchange().filter(exchange=exchange).select_related("market_import").first()
    )
    # The family: its primary account and its venues; only those the viewer may see are links.
    root_id = exchange.family_id or exchange.pk
    members = list(Exchange.objects.filter(Q(pk=root_id) | Q(family_id=root_id)).order_by("name"))
    openable = visible_exchange_ids(user, (m.pk for m in members)) if len(members) > 1 else set()
    family = (
        {
            "primary": next((m for m in members if m.pk == root_id), None),
            "venues": [m for m in members if m.pk != root_id],
            "openable": openable,
        }
        if len(members) > 1
        else None
    )
    merges = list(ExchangeMerge.objects.filter(target=exchange).select_related("merged_by").order_by("-merged_at"))

    return {
        "exchange": exchange,
        "score": score,
        "factors": factor_rows(score.factors, exchange) if score else [],
        "allocations": allocations,
        "allocation_chart": allocation_bars(
            bars,
            colours=colours,
            title=_("Cloud allocations of %(name)s by workload and vendor") % {"name": exchange.name},
        )
        if bars
        else "",
        "legend": [(name, colours[name], name == home_name) for name in vendor_names],
        "shares_workload": Workload(shares.workload).label if shares.workload else "",
        "our_share": shares.our_share,
        "largest_rival": shares.largest_rival,
        "presences": presence_rows,
        "contacts": contacts,
        "timeline": timeline[:TIMELINE_LENGTH],
        "history": history,
        "history_chart": score_history(
            [(c.created_at, c.new_score) for c in history],
            title=_("Score history of %(name)s") % {"name": exchange.name},
        )
        if history
        else "",
        "can_edit": may_change_exchange(user, exchange),
        "can_merge": is_manager(user),
        "size_by_hand": exchange.size_tier_by_hand != SizeTier.UNKNOWN,
        "market_figure": market_figure,
        "family": family,
        "merges": merges,
        "footprint": exchange_footprint(exchange),
        "opportunities": exchange_opportunities(exchange),
    }
