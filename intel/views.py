"""Pages of the evidence: events (badge-scan upload, review queue) and the signal feed."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from intel.models import Event, Signal


@login_required
def event_list(request):
    events = Event.objects.select_related("country").order_by("-starts_on")
    return render(request, "intel/event_list.html", {"section": "events", "events": events})


@login_required
def signal_list(request):
    signals = Signal.objects.select_related("vendor", "jurisdiction").order_by("-occurred_at")[:50]
    return render(request, "intel/signal_list.html", {"section": "signals", "signals": signals})
