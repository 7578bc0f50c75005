"""Signal pages: a filtered feed, and a form that shows which exchanges a signal affects before it is
saved."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.access import (
    ensure_may_change_exchange,
)
from crm.models import Exchange
from intel.forms import (
    SignalFeedFilterSet,
    SignalForm,
)
from intel.models import (
    Signal,
)
from intel.queries import signal_preview
from intel.services import (
    signal_record,
)

FEED_LENGTH = 100


@login_required
def signal_list(request):
    visible = Exchange.objects.visible_to(request.user).values("pk")
    # Market-wide signals (an outage, a regulation) are for everyone; one naming exchanges only for
    # those who may see one of them.
    scoped = Signal.objects.filter(Q(exchanges__isnull=True) | Q(exchanges__in=visible)).values("pk")
    feed = SignalFeedFilterSet(
        request.GET or None,
        queryset=Signal.objects.filter(pk__in=scoped).select_related("vendor", "jurisdiction", "recorded_by"),
    )
    signals = list(feed.qs.order_by("-occurred_at")[:FEED_LENGTH])
    named: dict[int, list[Exchange]] = {}
    for row in Signal.exchanges.through.objects.filter(
        signal_id__in=[s.pk for s in signals], exchange__in=visible
    ).select_related("exchange"):
        named.setdefault(row.signal_id, []).append(row.exchange)
    return render(
        request,
        "intel/signal_list.html",
        {
            "section": "signals",
            "filter": feed,
            "filter_fields": [feed.form[name] for name in ("kind", "vendor", "jurisdiction", "occurred_after")],
            "rows": [{"signal": s, "exchanges": named.get(s.pk, [])} for s in signals],
        },
    )


def _affected_preview(cleaned: dict, user) -> dict:
    return signal_preview(
        kind=cleaned.get("kind") or "",
        vendor=cleaned.get("vendor"),
        vendor_region=cleaned.get("vendor_region") or "",
        jurisdiction=cleaned.get("jurisdiction"),
        exchanges=cleaned.get("exchanges") or (),
        user=user,
    )


@login_required
def signal_create(request):
    initial = {}
    if request.GET.get("exchange"):
        initial["exchanges"] = Exchange.objects.visible_to(request.user).filter(slug=request.GET["exchange"])
    form = SignalForm(request.POST or None, user=request.user, initial=initial)
    context = {"section": "signals", "form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    if request.method == "POST" and form.is_valid():
        if "save" not in request.POST:
            context["affected"] = _affected_preview(form.cleaned_data, request.user)
            return render(request, "intel/signal_form.html", context)
        data = form.cleaned_data
        for exchange in data["exchanges"]:
            # Naming an exchange changes its evidence (and score): its owner or a manager does (as over the API).
            ensure_may_change_exchange(request.user, exchange)
        try:
            signal = signal_record(
                kind=data["kind"],
                title=data["title"],
                occurred_at=data["occurred_at"],
                exchanges=data["exchanges"],
                vendor=data["vendor"],
                vendor_region=data["vendor_region"],
                jurisdiction=data["jurisdiction"],
                details=data["details"],
                source_url=data["source_url"],
                source_note=data["source_note"],
                severity=data["severity"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            context["affected"] = _affected_preview(form.cleaned_data, request.user)
            return render(request, "intel/signal_form.html", context, status=400)
        messages.success(
            request,
            _("Signal recorded: %(title)s. The exchanges it affects are being rescored.") % {"title": signal.title},
        )
        back = request.POST.get("next", "")
        if back.startswith("/exchanges/"):
            return redirect(back)
        return redirect(reverse("intel:signal_list") + f"#signal-{signal.pk}")
    # A refused form answers 400 (e.g. an exchange the user may not see is not among the choices).
    return render(request, "intel/signal_form.html", context, status=400 if request.method == "POST" else 200)
