"""Pages of the verdict: Today, the leads list (and its defend tab) with its exports, the scoring model.

Every query starts from Exchange.objects.visible_to(user), so a page never shows an account its user may
not see; each page runs a fixed number of queries whatever the data size (tests/ui assert it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.access import ensure_manager
from crm.models import Exchange
from leads import pages
from leads.exports import csv_text
from leads.forms import (
    ScoringModelForm,
)
from leads.impact import scoring_model_impact
from leads.listing import ExchangeLeadFilterSet, leads_queryset
from leads.models import ScoringModel
from leads.parameters import ParameterError, ScoringParameters
from leads.services import (
    scoring_model_create_version,
)

PAGE_SIZE = 50


@login_required
def today(request):
    context = pages.today_context(user=request.user, rep_username=request.GET.get("rep", ""), now=timezone.now())
    return render(request, "leads/today.html", {"section": "today", **context})


def _filtered_leads(request, *, defend: bool = False) -> ExchangeLeadFilterSet:
    queryset = leads_queryset(Exchange.objects.visible_to(request.user))
    data = request.GET or None
    if defend:  # the defend tab: the same filters, over our vendor's customers to defend
        data = request.GET.copy()
        data["include_defend"] = "true"
    return ExchangeLeadFilterSet(data, queryset=queryset)


def _filter_errors(filterset: ExchangeLeadFilterSet) -> list[str]:
    """What is wrong with the filters, one line per field; empty when they are valid (or absent).

    An invalid filter never widens the result: django-filter would drop it and list everything."""
    if not filterset.is_bound or filterset.is_valid():
        return []
    return [
        f"{filterset.form.fields[name].label if name in filterset.form.fields else name}: {message}"
        for name, messages in filterset.errors.items()
        for message in messages
    ]


@login_required
def lead_list(request, *, defend: bool = False):
    """The prospect list, or (`defend`) its own tab of our vendor's customers to defend, with the same filters."""
    filterset = _filtered_leads(request, defend=defend)
    errors = _filter_errors(filterset)
    if errors:
        exchanges = filterset.queryset.none()
    else:
        exchanges = filterset.qs.filter(score__is_defend=True) if defend else filterset.qs
    # The page's ids first (a narrow sort of every visible exchange), then its rows with all they show:
    # sorting whole rows (notes, factors, imported values) cost three times as much at 10,000 exchanges.
    page = Paginator(exchanges.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    by_id = exchanges.order_by().in_bulk(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "leads/lead_list.html",
        {
            "section": "leads",
            "defend": defend,
            "filter": filterset,
            "filter_errors": errors,
            "page": page,
            "query": query.urlencode(),
            "rows": [pages.lead_row(by_id[pk]) for pk in page.object_list],
        },
        status=400 if errors else 200,
    )


@login_required
def defend_list(request):
    return lead_list(request, defend=True)


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filter_errors_response(errors: list[str]) -> HttpResponse:
    text = _("The filters are invalid; nothing was exported.") + "\n" + "\n".join(errors) + "\n"
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


@login_required
def lead_export(request):
    filterset = _filtered_leads(request)
    if errors := _filter_errors(filterset):
        return _filter_errors_response(errors)
    header, rows = pages.leads_csv(filterset.qs)
    return _csv_response(csv_text(header, rows), f"leads-{timezone.localdate():%Y-%m-%d}.csv")


@login_required
def lead_export_salesforce(request):
    filterset = _filtered_leads(request)
    if errors := _filter_errors(filterset):
        return _filter_errors_response(errors)
    header, rows = pages.leads_salesforce_csv(filterset.qs, today=timezone.localdate())
    return _csv_response(csv_text(header, rows), f"salesforce-accounts-{timezone.localdate():%Y-%m-%d}.csv")


@login_required
def scoring_model(request):
    ensure_manager(request.user, gettext_noop("Only managers edit the scoring model."))
    active = ScoringModel.objects.filter(is_active=True).first()
    current = active.get_parameters() if active else ScoringParameters()
    form = ScoringModelForm(request.POST or None, parameters=current)
    context = {"section": "scoring", "active": active, "form": form, "versions": ScoringModel.objects.all()[:10]}
    if request.method == "POST" and form.is_valid():
        try:
            proposed = ScoringParameters.from_dict(form.parameters())
        except ParameterError as error:
            for name, message in error.errors.items():
                form.add_error(name if name in form.fields else None, message)
            return render(request, "leads/scoring_model.html", context, status=400)
        if "activate" in request.POST:
            try:
                model = scoring_model_create_version(
                    parameters=proposed.to_dict(),
                    name=form.cleaned_data["name"],
                    created_by=request.user,
                    activate=True,
                )
            except ValidationError as error:
                form.add_error(None, error)
                return render(request, "leads/scoring_model.html", context, status=400)
            messages.success(
                request,
                _("Version %(version)s is active; every exchange is being rescored.") % {"version": model.version},
            )
            return redirect("leads:scoring_model")
        context["impact"] = scoring_model_impact(current=current, proposed=proposed, as_of=timezone.now())
    return render(request, "leads/scoring_model.html", context)
