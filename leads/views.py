"""Pages of the verdict: Today, the leads list and its exports, the exchange page, the scoring model.

Every query starts from Exchange.objects.visible_to(user) (or a queryset's visible_to, which derives
from it), so a page never shows an account its user may not see. Each page runs a fixed number of
queries whatever the data size (tests/ui assert it)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from crm.access import ensure_manager, ensure_may_change_exchange
from crm.forms import ActivityForm
from crm.models import Exchange, ExchangeMerge
from crm.services import exchange_merge
from intel.models import Event
from intel.technographics.tasks import detect_clouds_task
from leads import pages
from leads.choices import FollowUpStatus, Grade
from leads.exports import csv_text
from leads.filtersets import FOLLOW_UP_DUE_CHOICES, FollowUpFilterSet
from leads.forms import (
    AllocationForm,
    BulkAssignForm,
    ContactForm,
    EventEditForm,
    ExchangeMergeForm,
    FollowUpStatusForm,
    PresenceForm,
    ScoringModelForm,
    SizeTierForm,
    add_service_errors,
    rep_users,
)
from leads.impact import scoring_model_impact
from leads.listing import ExchangeLeadFilterSet, leads_queryset
from leads.models import FollowUp, ScoringModel
from leads.parameters import ParameterError, ScoringParameters
from leads.services import (
    follow_up_assign,
    follow_up_set_status,
    follow_ups_create_for_event,
    follow_ups_progress,
    follow_ups_reschedule,
    scoring_model_create_version,
)
from leads.services.followups import (
    follow_up_due_at,
    follow_up_may_assign,
    follow_up_may_change,
    follow_ups_changeable,
    follow_ups_may_build,
)

PAGE_SIZE = 50
BOARD_PAGE_SIZE = 100


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
    page = Paginator(exchanges, PAGE_SIZE).get_page(request.GET.get("page"))
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
            "rows": [pages.lead_row(exchange) for exchange in page.object_list],
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
    text = "The filters are invalid; nothing was exported.\n" + "\n".join(errors) + "\n"
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


def _exchange_page_queryset(user):
    return Exchange.objects.visible_to(user).select_related("headquarters", "owner", "family", "size_set_by")


def _held_follow_ups(user, slug: str) -> list[FollowUp]:
    """The follow-ups a user holds of people at this exchange (one they may not otherwise see): they
    open the account read-only, to prepare the follow-up."""
    if not user.is_authenticated:
        return []
    return list(
        FollowUp.objects.filter(assignee=user, attendee__exchange__slug=slug)
        .select_related("attendee", "attendee__event")
        .order_by("attendee__full_name")
    )


def _page_exchange(request, slug: str) -> tuple[Exchange, list[FollowUp]]:
    """The exchange whose page (or form) the user asks for, and the follow-ups that let them open it
    when it is outside their accounts (then read-only). 404 when they may not open it at all."""
    exchange = _exchange_page_queryset(request.user).filter(slug=slug).first()
    if exchange is not None:
        return exchange, []
    held = _held_follow_ups(request.user, slug)
    if not held:
        raise Http404("No such exchange.")
    exchange = Exchange.objects.select_related("headquarters", "owner", "family", "size_set_by").get(slug=slug)
    return exchange, held


# The forms a research rep opens on the exchange page, by the name the page's links use (?form=...).
RESEARCH_FORMS = ("size", "allocation", "presence", "contact", "merge")


def _render_exchange(
    request, exchange: Exchange, *, status: int = 200, open_form: str = "", held: list | None = None, **forms
):
    """The exchange page, with the forms its viewer may use: bound ones (after a refused POST) win
    over fresh ones. A rep who may not change the account gets no form at all; one who opens it
    through a follow-up they hold is told it belongs to another territory."""
    context = pages.exchange_context(exchange=exchange, user=request.user, now=timezone.now())
    context.update(forms)
    context["held_follow_ups"] = held or []
    if context["can_edit"]:
        context.setdefault("activity_form", ActivityForm(exchange=exchange))
        edited_allocation = _pick(context["allocations"], request.GET.get("allocation"))
        edited_presence = _pick([row["presence"] for row in context["presences"]], request.GET.get("presence"))
        context.setdefault("size_form", SizeTierForm(exchange=exchange))
        context.setdefault("allocation_form", AllocationForm(exchange=exchange, instance=edited_allocation))
        context.setdefault("presence_form", PresenceForm(exchange=exchange, instance=edited_presence))
        context.setdefault("contact_form", ContactForm(exchange=exchange))
        open_form = open_form or ("allocation" if edited_allocation else "presence" if edited_presence else "")
    if context["can_merge"]:
        context.setdefault("merge_form", ExchangeMergeForm(target=exchange, user=request.user))
    requested = request.GET.get("form", "")
    context["open_form"] = open_form or (requested if requested in RESEARCH_FORMS else "")
    return render(request, "leads/exchange.html", {"section": "leads", **context}, status=status)


def _pick(rows, pk: str | None):
    """The row of the page with this id (the page already loaded them: no query), or None."""
    return next((row for row in rows if str(row.pk) == pk), None) if pk else None


@login_required
def exchange_detail(request, slug: str):
    try:
        exchange, held = _page_exchange(request, slug)
    except Http404:
        # An account merged into another: its old address leads to the one that holds it now.
        merge = ExchangeMerge.objects.filter(source_slug=slug).order_by("-merged_at").first()
        if merge is not None and Exchange.objects.visible_to(request.user).filter(pk=merge.target_id).exists():
            return redirect("leads:exchange", slug=merge.target.slug)
        raise
    return _render_exchange(request, exchange, held=held)


@login_required
@require_POST
def exchange_activity_create(request, slug: str):
    exchange = _editable_exchange(request, slug)
    form = ActivityForm(request.POST, exchange=exchange)
    if form.is_valid():
        form.save(rep=request.user)
        return redirect(reverse("leads:exchange", args=[exchange.slug]) + "#timeline")
    return _render_exchange(request, exchange, status=400, activity_form=form)


def _editable_exchange(request, slug: str) -> Exchange:
    """The exchange, if the user may change it (crm.access): 404 when they may not open it, 403 when
    they may only look."""
    exchange, _held = _page_exchange(request, slug)
    ensure_may_change_exchange(request.user, exchange)
    return exchange


def _exchange_url(exchange: Exchange, anchor: str) -> str:
    return reverse("leads:exchange", args=[exchange.slug]) + f"#{anchor}"


@login_required
@require_POST
def exchange_size_set_view(request, slug: str):
    exchange = _editable_exchange(request, slug)
    form = SizeTierForm(request.POST, exchange=exchange)
    if form.is_valid() and (saved := form.save(user=request.user)) is not None:
        if saved.size_tier_by_hand == "unknown":
            messages.success(request, f"{exchange.name}: the size set by hand is cleared; the market figures decide.")
        else:
            messages.success(
                request, f"{exchange.name}: size set by hand to {saved.get_size_tier_by_hand_display()}; rescoring."
            )
        return redirect(_exchange_url(exchange, "size-panel"))
    return _render_exchange(request, exchange, status=400, open_form="size", size_form=form)


@login_required
@require_POST
def exchange_allocation_save(request, slug: str, allocation_id: int | None = None):
    exchange = _editable_exchange(request, slug)
    instance = get_object_or_404(exchange.allocations, pk=allocation_id) if allocation_id else None
    form = AllocationForm(request.POST, exchange=exchange, instance=instance)
    if form.is_valid() and (allocation := form.save()) is not None:
        messages.success(
            request,
            f"{exchange.name}: {allocation.vendor.name} holds {allocation.share_percent.normalize():f}% "
            f"({allocation.get_workload_display()}); rescoring.",
        )
        return redirect(_exchange_url(exchange, f"allocation-{allocation.pk}"))
    return _render_exchange(request, exchange, status=400, open_form="allocation", allocation_form=form)


@login_required
@require_POST
def exchange_presence_save(request, slug: str, presence_id: int | None = None):
    exchange = _editable_exchange(request, slug)
    instance = get_object_or_404(exchange.presences, pk=presence_id) if presence_id else None
    form = PresenceForm(request.POST, exchange=exchange, instance=instance)
    if form.is_valid() and (presence := form.save()) is not None:
        messages.success(
            request,
            f"{exchange.name} in {presence.jurisdiction.code}: {presence.get_licence_status_display()}; rescoring.",
        )
        return redirect(_exchange_url(exchange, f"presence-{presence.pk}"))
    return _render_exchange(request, exchange, status=400, open_form="presence", presence_form=form)


@login_required
@require_POST
def exchange_contact_create(request, slug: str):
    exchange = _editable_exchange(request, slug)
    form = ContactForm(request.POST, exchange=exchange)
    if form.is_valid() and (contact := form.save()) is not None:
        messages.success(request, f"{contact.full_name} added to {exchange.name}.")
        return redirect(_exchange_url(exchange, "contacts"))
    return _render_exchange(request, exchange, status=400, open_form="contact", contact_form=form)


@login_required
@require_POST
def exchange_merge_view(request, slug: str):
    """A manager merges another account into this one."""
    target, _held = _page_exchange(request, slug)
    ensure_manager(request.user, "Only a manager merges accounts.")
    form = ExchangeMergeForm(request.POST, target=target, user=request.user)
    if form.is_valid():
        source = form.cleaned_data["source"]
        try:
            merge = exchange_merge(source=source, target=target, user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = f"{merge.source_name} merged into {target.name}."
            if merge.dropped:
                text += f" Dropped {len(merge.dropped)}: " + " ".join(merge.dropped)
            messages.success(request, text)
            return redirect(_exchange_url(target, "merges"))
    return _render_exchange(request, target, status=400, open_form="merge", merge_form=form)


@login_required
@require_POST
def exchange_footprint_detect(request, slug: str):
    """Queue a cloud check of the exchange's hosts (its owner or a manager: it may write allocations)."""
    exchange = _editable_exchange(request, slug)
    detect_clouds_task.delay(exchange.pk)
    messages.success(request, f"Checking {exchange.name}'s hosts; the footprint shows the result when it is done.")
    return redirect(reverse("leads:exchange", args=[exchange.slug]) + "#footprint")


def _event_follow_ups(event: Event, user):
    return (
        FollowUp.objects.visible_to(user)
        .for_event(event.pk)
        .select_related("attendee", "attendee__exchange", "attendee__contact", "assignee")
    )


@login_required
def follow_up_board(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    now = timezone.now()
    mine_only = request.GET.get("mine") == "1"
    follow_ups = _event_follow_ups(event, request.user)
    if mine_only:
        follow_ups = follow_ups.filter(assignee=request.user)
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        follow_ups = follow_ups.overdue(now=now)
    follow_ups = follow_ups.select_related("attendee__exchange__score")
    filterset = FollowUpFilterSet(request.GET or None, queryset=follow_ups)
    filter_errors = _filter_errors(filterset)
    if filterset.is_bound and not filter_errors:
        follow_ups = filterset.qs
    elif filter_errors:
        follow_ups = follow_ups.none()
    page = Paginator(follow_ups, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    changeable = follow_ups_changeable(follow_ups=listed, user=request.user)
    openable = pages.exchanges_openable(user=request.user, follow_ups=listed)
    rows = [
        {
            "follow_up": f,
            "rank": rank,
            "is_overdue": f.is_overdue(now),
            "may_change": f.pk in changeable,
            "may_open_exchange": f.attendee.exchange_id in openable,
            "grade": pages.follow_up_grade(f),
        }
        for rank, f in enumerate(listed, start=page.start_index())
    ]
    query = request.GET.copy()
    query.pop("page", None)
    board_filters = pages.follow_up_board_filters(request.GET)
    return render(
        request,
        "leads/follow_up_board.html",
        {
            "section": "events",
            "event": event,
            "rows": rows,
            "page": page,
            "reps": list(rep_users()),
            "statuses": FollowUpStatus.choices,
            "mine_only": mine_only,
            "overdue_only": overdue_only,
            "query": query.urlencode(),
            "may_assign": follow_up_may_assign(user=request.user),
            "may_build": follow_ups_may_build(user=request.user),
            "overdue": follow_ups.overdue(now=now).count(),
            "filters": board_filters,
            "filter_errors": filter_errors,
            "grades": Grade.choices,
            "due_choices": FOLLOW_UP_DUE_CHOICES,
            # Where a status save comes back to: this page of this filter (tests/ui/test_follow_up_board.py).
            "return_query": pages.board_query(request.GET),
        },
        status=400 if filter_errors else 200,
    )


@login_required
@require_POST
def follow_ups_build(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    if not follow_ups_may_build(user=request.user):
        raise PermissionDenied("Only a manager builds or refreshes the follow-up list.")
    try:
        follow_ups = follow_ups_create_for_event(event=event)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{len(follow_ups)} people on the follow-up list, assigned by territory.")
    return redirect("leads:follow_ups", slug=event.slug)


@login_required
@require_POST
def follow_ups_assign(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    if not follow_up_may_assign(user=request.user):
        raise PermissionDenied("Only a manager assigns follow-ups.")
    form = BulkAssignForm(request.POST, follow_ups=_event_follow_ups(event, request.user))
    if not form.is_valid():
        messages.error(request, "Tick at least one person and choose who gets them.")
        return redirect("leads:follow_ups", slug=event.slug)
    assignee = form.cleaned_data["assignee"]
    chosen = list(form.cleaned_data["follow_ups"])
    with transaction.atomic():
        for follow_up in chosen:
            follow_up_assign(follow_up=follow_up, assignee=assignee)
    who = assignee.get_full_name() or assignee.get_username()
    messages.success(request, f"{len(chosen)} follow-up{'s' if len(chosen) != 1 else ''} assigned to {who}.")
    return redirect("leads:follow_ups", slug=event.slug)


@login_required
@require_POST
def follow_up_status(request, slug: str, follow_up_id: int):
    event = get_object_or_404(Event, slug=slug)
    follow_up = get_object_or_404(_event_follow_ups(event, request.user), pk=follow_up_id)
    if not follow_up_may_change(follow_up=follow_up, user=request.user):
        raise PermissionDenied("You may change only your own follow-ups, or those of the accounts you own.")
    form = FollowUpStatusForm(request.POST)
    if form.is_valid():
        follow_up_set_status(follow_up=follow_up, status=form.cleaned_data["status"], user=request.user)
        messages.success(request, f"{follow_up.attendee.full_name}: {follow_up.get_status_display()}.")
    else:
        messages.error(request, f"{follow_up.attendee.full_name}: choose a status from the list.")
    # Back to the page, filters and row the rep saved from.
    query = pages.board_query(QueryDict(request.POST.get("return_query", "")))
    return redirect(
        reverse("leads:follow_ups", args=[event.slug]) + (f"?{query}" if query else "") + f"#follow-up-{follow_up.pk}"
    )


@login_required
def follow_ups_export(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    header, rows = pages.follow_ups_csv(_event_follow_ups(event, request.user), now=timezone.now())
    return _csv_response(csv_text(header, rows), f"follow-ups-{event.slug}.csv")


@login_required
def event_edit(request, slug: str):
    """A manager corrects an event; its follow-ups move to the due time the new dates, zone and SLA give.

    The page lives here rather than with the event's other pages because the follow-ups are the leads
    app's: the event's own app does not know them."""
    event = get_object_or_404(Event.objects.select_related("country"), slug=slug)
    ensure_manager(request.user, "Only a manager edits an event.")
    form = EventEditForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            event = form.save()
            moved = follow_ups_reschedule(event=event)
        text = f"{event.name} saved."
        if moved:
            due = timezone.localtime(follow_up_due_at(event))
            text += f" {moved} follow-up{'s' if moved != 1 else ''} now due {due.day} {due:%b %Y %H:%M %Z}."
        messages.success(request, text)
        return redirect("intel:event_detail", slug=event.slug)
    return render(
        request,
        "leads/event_edit.html",
        {"section": "events", "event": event, "form": form},
        status=400 if form.is_bound else 200,
    )


TEAM_VIEW_DAYS = 30


@login_required
def team_view(request):
    """A manager's team view: follow-ups by status and rep, overdue per rep and the SLA hit rate, for
    one event (?event=slug) or for those due in the last 30 days."""
    ensure_manager(request.user, "Only a manager sees the team view.")
    now = timezone.now()
    event = get_object_or_404(Event, slug=request.GET["event"]) if request.GET.get("event") else None
    since = None if event is not None else now - datetime.timedelta(days=TEAM_VIEW_DAYS)
    progress = follow_ups_progress(event=event, since=since, now=now)
    return render(
        request,
        "leads/team_view.html",
        {
            "section": "team",
            "event": event,
            "since": since,
            "days": TEAM_VIEW_DAYS,
            "progress": progress,
            "statuses": FollowUpStatus.choices,
            "rows": [
                {"rep": rep, "counts": [(label, rep.by_status[value]) for value, label in FollowUpStatus.choices]}
                for rep in progress.reps
            ],
            "totals": [progress.by_status[value] for value, _label in FollowUpStatus.choices],
            "events": Event.objects.order_by("-starts_on", "name")[:20],
        },
    )


@login_required
def scoring_model(request):
    ensure_manager(request.user, "Only managers edit the scoring model.")
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
            messages.success(request, f"Version {model.version} is active; every exchange is being rescored.")
            return redirect("leads:scoring_model")
        context["impact"] = scoring_model_impact(current=current, proposed=proposed, as_of=timezone.now())
    return render(request, "leads/scoring_model.html", context)
