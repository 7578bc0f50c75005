"""The exchange page and its forms: activities, size, allocations, presences, contacts, merges and
the footprint check, each POST under the one permission rule (crm.access)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from crm.access import ensure_manager, ensure_may_change_exchange
from crm.choices import ActivityKind
from crm.forms import ActivityForm
from crm.models import Exchange, ExchangeMerge
from crm.services import exchange_merge
from intel.technographics.tasks import detect_clouds_task
from leads.exchange_page import exchange_context
from leads.forms import (
    AllocationForm,
    ContactForm,
    ExchangeMergeForm,
    PresenceForm,
    SizeTierForm,
    add_service_errors,
)
from leads.models import FollowUp
from leads.services import follow_ups_step_log


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
    context = exchange_context(exchange=exchange, user=request.user, now=timezone.now())
    context.update(forms)
    context["held_follow_ups"] = held or []
    if context["can_edit"]:
        # "log a call" on the follow-up board opens the form with its kind chosen (?log=call).
        kind = request.GET.get("log", "")
        initial = {"kind": kind} if kind in ActivityKind.values else {}
        context.setdefault("activity_form", ActivityForm(exchange=exchange, initial=initial))
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
        with transaction.atomic():  # the activity and the cadence steps it does, or neither
            activity = form.save(rep=request.user)
            follow_ups_step_log(activity=activity)
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
            messages.success(
                request,
                _("%(exchange)s: the size set by hand is cleared; the market figures decide.")
                % {"exchange": exchange.name},
            )
        else:
            messages.success(
                request,
                _("%(exchange)s: size set by hand to %(tier)s; rescoring.")
                % {"exchange": exchange.name, "tier": saved.get_size_tier_by_hand_display()},
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
            _("%(exchange)s: %(vendor)s holds %(share)s%% (%(workload)s); rescoring.")
            % {
                "exchange": exchange.name,
                "vendor": allocation.vendor.name,
                "share": f"{allocation.share_percent.normalize():f}",
                "workload": allocation.get_workload_display(),
            },
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
            _("%(exchange)s in %(code)s: %(status)s; rescoring.")
            % {
                "exchange": exchange.name,
                "code": presence.jurisdiction.code,
                "status": presence.get_licence_status_display(),
            },
        )
        return redirect(_exchange_url(exchange, f"presence-{presence.pk}"))
    return _render_exchange(request, exchange, status=400, open_form="presence", presence_form=form)


@login_required
@require_POST
def exchange_contact_create(request, slug: str):
    exchange = _editable_exchange(request, slug)
    form = ContactForm(request.POST, exchange=exchange)
    if form.is_valid() and (contact := form.save()) is not None:
        messages.success(
            request, _("%(contact)s added to %(exchange)s.") % {"contact": contact.full_name, "exchange": exchange.name}
        )
        return redirect(_exchange_url(exchange, "contacts"))
    return _render_exchange(request, exchange, status=400, open_form="contact", contact_form=form)


@login_required
@require_POST
def exchange_merge_view(request, slug: str):
    """A manager merges another account into this one."""
    target, _held = _page_exchange(request, slug)
    ensure_manager(request.user, gettext_noop("Only a manager merges accounts."))
    form = ExchangeMergeForm(request.POST, target=target, user=request.user)
    if form.is_valid():
        source = form.cleaned_data["source"]
        try:
            merge = exchange_merge(source=source, target=target, user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = _("%(source)s merged into %(target)s.") % {"source": merge.source_name, "target": target.name}
            if merge.dropped:
                text += " " + _("Dropped %(count)s:") % {"count": len(merge.dropped)} + " " + " ".join(merge.dropped)
            messages.success(request, text)
            return redirect(_exchange_url(target, "merges"))
    return _render_exchange(request, target, status=400, open_form="merge", merge_form=form)


@login_required
@require_POST
def exchange_footprint_detect(request, slug: str):
    """Queue a cloud check of the exchange's hosts (its owner or a manager: it may write allocations)."""
    exchange = _editable_exchange(request, slug)
    detect_clouds_task.delay(exchange.pk)
    messages.success(
        request,
        _("Checking %(exchange)s's hosts; the footprint shows the result when it is done.")
        % {"exchange": exchange.name},
    )
    return redirect(reverse("leads:exchange", args=[exchange.slug]) + "#footprint")
