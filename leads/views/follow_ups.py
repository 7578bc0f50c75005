"""The follow-up board of an event (assign, status, export; the list keeps itself up to date),
editing an event, and the team view."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from crm.access import ensure_manager
from intel.models import Event
from leads import pages
from leads.charts import follow_up_status_bars
from leads.choices import FollowUpStatus, Grade
from leads.exports import csv_text
from leads.filtersets import FOLLOW_UP_DUE_CHOICES, FollowUpFilterSet
from leads.forms import (
    BulkAssignForm,
    CadenceForm,
    EventEditForm,
    FollowUpStatusForm,
    rep_users,
)
from leads.models import Cadence, FollowUp
from leads.services import (
    follow_up_assign,
    follow_up_set_status,
    follow_ups_progress,
    follow_ups_reschedule,
)
from leads.services.cadences import cadence_may_change, cadence_save, event_plan
from leads.services.followups import (
    follow_up_may_assign,
    follow_up_may_change,
    follow_ups_changeable,
)
from leads.views.lists import _csv_response, _filter_errors

BOARD_PAGE_SIZE = 100
# The columns the board reads of a follow-up and of the person, exchange, score and assignee it joins.
BOARD_FIELDS = (
    "event_id",
    "status",
    "due_at",
    "step_index",
    "next_step",
    "person_score",
    "person_factors",
    "attendee__full_name",
    "attendee__title",
    "attendee__email",
    "attendee__phone",
    "attendee__company",
    "attendee__exchange__name",
    "attendee__exchange__slug",
    "attendee__exchange__score__grade",
    "assignee__username",
)


def _event_follow_ups(event: Event, user):
    return (
        FollowUp.objects.visible_to(user)
        .for_event(event.pk)
        .select_related("attendee", "attendee__exchange", "attendee__contact", "assignee")
    )


@never_cache  # back from logging a call, the rep sees the status it gave, not the page as it was
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
    # Only what the board shows of each row and its person, exchange and score (not their notes,
    # candidates, imported values or factors): a hundred rows of wide models cost more than the SQL.
    follow_ups = (
        follow_ups.select_related(None).select_related("attendee__exchange__score", "assignee").only(*BOARD_FIELDS)
    )
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
    # What every row repeats is made once for the page: the grade badges, each status list with its
    # choice selected, and the links (reversed once, then filled with the row's slug or id).
    badges = {grade: render_to_string("includes/grade.html", {"grade": grade}) for grade in ["", *Grade.values]}
    status_lists = {
        status: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, " selected" if value == status else "", gettext(label))
                for value, label in FollowUpStatus.choices
            ),
        )
        for status in FollowUpStatus.values
    }
    exchange_url = pages.url_filler("leads:exchange")
    status_url = pages.url_filler("leads:follow_up_status", event.slug)
    rows = []
    for rank, f in enumerate(listed, start=page.start_index()):
        exchange = f.attendee.exchange
        grade = pages.follow_up_grade(f)
        rows.append(
            {
                "follow_up": f,
                "rank": rank,
                "is_overdue": f.is_overdue(now),
                "may_change": f.pk in changeable,
                "may_open_exchange": f.attendee.exchange_id in openable,
                "grade": grade,
                "grade_badge": badges[grade],
                "status_options": status_lists.get(f.status, status_lists[FollowUpStatus.TO_DO]),
                "status_url": status_url(f.pk),
                "exchange_url": exchange_url(exchange.slug) if exchange is not None else "",
            }
        )
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
def follow_ups_assign(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    if not follow_up_may_assign(user=request.user):
        raise PermissionDenied(gettext("Only a manager assigns follow-ups."))
    form = BulkAssignForm(request.POST, follow_ups=_event_follow_ups(event, request.user))
    if not form.is_valid():
        messages.error(request, gettext("Tick at least one person and choose who gets them."))
        return redirect("leads:follow_ups", slug=event.slug)
    assignee = form.cleaned_data["assignee"]
    chosen = list(form.cleaned_data["follow_ups"])
    with transaction.atomic():
        for follow_up in chosen:
            follow_up_assign(follow_up=follow_up, assignee=assignee)
    who = assignee.get_full_name() or assignee.get_username()
    messages.success(
        request,
        ngettext("%(count)s follow-up assigned to %(who)s.", "%(count)s follow-ups assigned to %(who)s.", len(chosen))
        % {"count": len(chosen), "who": who},
    )
    return redirect("leads:follow_ups", slug=event.slug)


@login_required
@require_POST
def follow_up_status(request, slug: str, follow_up_id: int):
    event = get_object_or_404(Event, slug=slug)
    follow_up = get_object_or_404(_event_follow_ups(event, request.user), pk=follow_up_id)
    if not follow_up_may_change(follow_up=follow_up, user=request.user):
        raise PermissionDenied(gettext("You may change only your own follow-ups, or those of the accounts you own."))
    form = FollowUpStatusForm(request.POST)
    if form.is_valid():
        follow_up_set_status(follow_up=follow_up, status=form.cleaned_data["status"], user=request.user)
        messages.success(
            request,
            gettext("%(name)s: %(status)s.")
            % {"name": follow_up.attendee.full_name, "status": gettext(follow_up.get_status_display())},
        )
    else:
        messages.error(
            request, gettext("%(name)s: choose a status from the list.") % {"name": follow_up.attendee.full_name}
        )
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
        messages.success(request, _saved_text(event.name, moved))
        return redirect("intel:event_detail", slug=event.slug)
    return render(
        request,
        "leads/event_edit.html",
        {"section": "events", "event": event, "form": form},
        status=400 if form.is_bound else 200,
    )


def _saved_text(name: str, moved: int) -> str:
    text = gettext("%(name)s saved.") % {"name": name}
    if moved:
        text += " " + ngettext(
            "%(count)s follow-up moved to its new due time.",
            "%(count)s follow-ups moved to their new due times.",
            moved,
        ) % {"count": moved}
    return text


@login_required
def event_cadence(request, slug: str):
    """An event's cadence: what each grade's follow-ups do next and when. Everyone signed in reads it; a
    manager changes it, and the event's follow-ups move to the due times it gives."""
    event = get_object_or_404(Event, slug=slug)
    may_change = cadence_may_change(user=request.user)
    if request.method == "POST" and not may_change:
        raise PermissionDenied(gettext("Only a manager changes an event's cadence."))
    form = CadenceForm(request.POST or None, plan=event_plan(event))
    if request.method == "POST" and form.is_valid():
        _cadence, moved = cadence_save(event=event, steps=form.steps, user=request.user)
        messages.success(request, _saved_text(gettext("The cadence of %(name)s") % {"name": event.name}, moved))
        return redirect("leads:event_cadence", slug=event.slug)
    return render(
        request,
        "leads/event_cadence.html",
        {
            "section": "events",
            "event": event,
            "form": form,
            "may_change": may_change,
            "is_default": not Cadence.objects.filter(event=event).exists(),
        },
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
            "chart": follow_up_status_bars(
                progress.reps,
                title=gettext("Follow-ups by status and rep of %(name)s") % {"name": event.name}
                if event is not None
                else gettext("Follow-ups by status and rep, last %(days)s days") % {"days": TEAM_VIEW_DAYS},
            )
            if progress.reps
            else "",
            "events": Event.objects.order_by("-starts_on", "name")[:20],
        },
    )
