"""Managers' pages: what we know (data coverage) and what is coming (the regulatory radar)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.access import (
    ensure_manager,
)
from crm.models import Exchange
from intel.choices import SignalKind
from intel.coverage import data_coverage
from intel.models import (
    MarketDataImport,
    Register,
    Regulation,
    Signal,
)
from intel.queries import regulatory_pressure


def _managers_only(request) -> None:
    ensure_manager(request.user, gettext_noop("Managers only."))


@login_required
def data_coverage_page(request):
    _managers_only(request)
    coverage = data_coverage()
    return render(
        request,
        "intel/data_coverage.html",
        {
            "section": "data",
            "coverage": coverage,
            "summary": coverage.summary_lines(),
            "details": coverage.detail_lines(),
            "readings": Register.objects.order_by("kind", "-as_of")[:20],
            "market_readings": MarketDataImport.objects.order_by("-as_of", "-created_at")[:10],
        },
    )


RADAR_CHANGES = 30  # register changes shown, newest first


@login_required
def regulatory_radar(request):
    """Upcoming effective dates, the latest register changes, and the exchanges under pressure per
    jurisdiction and why (intel.queries.regulatory_pressure, the one owner of that answer)."""
    _managers_only(request)
    today = timezone.localdate()
    pressures = regulatory_pressure(as_of=today, user=request.user)
    slugs = dict(Exchange.objects.filter(pk__in={p.exchange_id for p in pressures}).values_list("pk", "slug"))
    by_jurisdiction: dict[str, list] = {}
    for pressure in sorted(pressures, key=lambda p: (p.jurisdiction_code, p.exchange_name)):
        by_jurisdiction.setdefault(pressure.jurisdiction_code, []).append((pressure, slugs[pressure.exchange_id]))
    visible = Exchange.objects.visible_to(request.user).values("pk")
    changes = (
        Signal.objects.filter(kind=SignalKind.LICENCE_CHANGE, exchanges__in=visible)
        .select_related("jurisdiction")
        .distinct()
        .order_by("-occurred_at", "-pk")[:RADAR_CHANGES]
    )
    return render(
        request,
        "intel/radar.html",
        {
            "section": "radar",
            "today": today,
            "upcoming": Regulation.objects.filter(effective_on__gt=today)
            .select_related("jurisdiction")
            .order_by("effective_on"),
            "in_force": Regulation.objects.filter(effective_on__lte=today)
            .select_related("jurisdiction")
            .order_by("-effective_on"),
            "changes": changes,
            "pressure_groups": sorted(by_jurisdiction.items()),
            "readings": Register.objects.order_by("kind", "-as_of")[:20],
        },
    )
