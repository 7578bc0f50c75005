"""Pages of the verdict: Today, the leads list and its exports, the exchange page, the scoring model.

Every query starts from Exchange.objects.visible_to(user) (or a queryset's visible_to, which derives
from it), so a page never shows an account its user may not see. Each page runs a fixed number of
queries whatever the data size (tests/ui assert it)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from crm.forms import ActivityForm
from crm.models import Exchange
from leads import pages
from leads.exports import csv_text
from leads.listing import LeadFilterSet, leads_queryset

PAGE_SIZE = 50


@login_required
def today(request):
    context = pages.today_context(user=request.user, rep_username=request.GET.get("rep", ""), now=timezone.now())
    return render(request, "leads/today.html", {"section": "today", **context})


def _filtered_leads(request):
    queryset = leads_queryset(Exchange.objects.visible_to(request.user))
    return LeadFilterSet(request.GET or None, queryset=queryset)


@login_required
def lead_list(request):
    filterset = _filtered_leads(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "leads/lead_list.html",
        {
            "section": "leads",
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "rows": [pages.lead_row(exchange) for exchange in page.object_list],
        },
    )


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def lead_export(request):
    exchanges = _filtered_leads(request).qs
    header, rows = pages.leads_csv(exchanges)
    return _csv_response(csv_text(header, rows), f"leads-{timezone.localdate():%Y-%m-%d}.csv")


@login_required
def lead_export_salesforce(request):
    exchanges = _filtered_leads(request).qs
    header, rows = pages.leads_salesforce_csv(exchanges)
    return _csv_response(csv_text(header, rows), f"salesforce-accounts-{timezone.localdate():%Y-%m-%d}.csv")


@login_required
def exchange_detail(request, slug: str):
    exchange = get_object_or_404(
        Exchange.objects.visible_to(request.user).select_related("headquarters", "owner", "family"), slug=slug
    )
    context = pages.exchange_context(exchange=exchange, user=request.user, now=timezone.now())
    context.setdefault("activity_form", ActivityForm(exchange=exchange))
    return render(request, "leads/exchange.html", {"section": "leads", **context})


@login_required
@require_POST
def exchange_activity_create(request, slug: str):
    exchange = get_object_or_404(Exchange.objects.visible_to(request.user), slug=slug)
    form = ActivityForm(request.POST, exchange=exchange)
    if form.is_valid():
        form.save(rep=request.user)
        return redirect(reverse("leads:exchange", args=[exchange.slug]) + "#timeline")
    context = pages.exchange_context(exchange=exchange, user=request.user, now=timezone.now())
    return render(request, "leads/exchange.html", {"section": "leads", "activity_form": form, **context}, status=400)


@login_required
def follow_up_board(request, slug: str):
    return render(request, "leads/follow_up_board.html", {"section": "events"})


@login_required
def scoring_model(request):
    return render(request, "leads/scoring_model.html", {"section": "scoring"})


def _start_of_day(now: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
