"""The review queue of an event: the people to confirm or match, decided one by one or a company at a
time, and the companies once marked as no exchange."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from crm.access import (
    changeable_exchange_ids,
    changeable_exchanges,
    is_manager,
    visible_exchange_ids,
)
from crm.models import Exchange, Jurisdiction
from intel.choices import MatchStatus
from intel.downstream import people_summary
from intel.models import (
    Attendee,
    Event,
    NotAnExchangeCompany,
)
from intel.services import (
    attendees_decide,
    company_groups,
    company_key,
    exchange_create_for_people,
    not_an_exchange_company_forget,
)
from intel.views.events import _attendees_seen_by

REVIEW_PAGE = 25  # companies shown at once; the queue shrinks as they are decided


REVIEW_TABS = {"review": MatchStatus.REVIEW, "unmatched": MatchStatus.UNMATCHED}


def _review_items(event: Event, user, status: str = MatchStatus.REVIEW):
    """People waiting for a decision (in review, or with no exchange found) whose suggested exchange
    (if any) the user may see."""
    return (
        Attendee.objects.filter(event=event, match_status=status)
        .filter(_attendees_seen_by(user))
        .select_related("exchange")
        .order_by("-match_confidence", "full_name")
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _tab_of(request) -> str:
    tab = request.POST.get("tab") or request.GET.get("tab") or "review"
    return tab if tab in REVIEW_TABS else "review"


def _queue_url(event: Event, tab: str) -> str:
    url = reverse("intel:review_queue", kwargs={"slug": event.slug})
    return f"{url}?tab=unmatched" if tab == "unmatched" else url


def _queue_counts(event: Event, user) -> dict[str, int]:
    counts = dict(
        Attendee.objects.filter(event=event, match_status__in=list(REVIEW_TABS.values()))
        .filter(_attendees_seen_by(user))
        .values_list("match_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {tab: counts.get(status, 0) for tab, status in REVIEW_TABS.items()}


@login_required
def review_queue(request, slug: str):
    """The people to decide, one card per company as scanned: in review (a suggested exchange to confirm
    or change), or with no exchange found (match them, or create their exchange)."""
    event = get_object_or_404(Event, slug=slug)
    tab = _tab_of(request)
    query = request.GET.get("q", "").strip()
    people = list(_review_items(event, request.user, REVIEW_TABS[tab]).search(query))
    groups = company_groups(people)[:REVIEW_PAGE]
    shown = [person for group in groups for person in group.people]
    considered = {c.get("exchange_id") for item in shown for c in item.match_candidates}
    nameable = visible_exchange_ids(request.user, considered)
    decidable = changeable_exchange_ids(request.user, (item.exchange_id for item in shown))
    for group in groups:
        for item in group.people:
            # The suggestion is shown once, not again among the other candidates; and only exchanges the
            # viewer may see are named.
            item.other_candidates = [
                candidate
                for candidate in item.match_candidates
                if candidate.get("exchange_id") != item.exchange_id and candidate.get("exchange_id") in nameable
            ]
            # Deciding changes the suggested account: its owner or a manager decides (crm.access).
            item.may_decide = item.exchange_id is None or item.exchange_id in decidable
        group.may_decide = all(item.may_decide for item in group.people)
        group.suggestion = group.exchange
        if tab == "unmatched" and group.company.strip():
            # Exchanges the company's name names (its katakana or Chinese name among their aliases).
            group.suggestions = list(
                changeable_exchanges(request.user).families().search(group.company).order_by("name")[:3]
            )
    # The list suggests, of the accounts the viewer may match people to (those they may change), the ones
    # this page's people point at: each group's suggestion, its people's other candidates and the names
    # its company names. Any other is typed by name (or another name of it) and found on the server
    # (_exchange_named), with or without the page's script; so the page does not grow with the accounts.
    suggested = {item.exchange_id for item in shown}
    suggested |= {c.get("exchange_id") for item in shown for c in item.other_candidates}
    suggested |= {exchange.pk for group in groups for exchange in getattr(group, "suggestions", ())}
    exchanges = list(
        changeable_exchanges(request.user)
        .families()
        .filter(pk__in=suggested - {None})
        .order_by("name")
        .only("slug", "name")
    )
    return render(
        request,
        "intel/review_queue.html",
        {
            "section": "events",
            "event": event,
            "tab": tab,
            "groups": groups,
            "items": shown,
            "people_count": len(people),
            "tab_counts": _queue_counts(event, request.user),
            "exchanges": exchanges,
            "query": query,
            "jurisdictions": Jurisdiction.objects.order_by("name").only("code", "name"),
            "remembered": NotAnExchangeCompany.objects.select_related("decided_by")[:50]
            if is_manager(request.user)
            else [],
        },
    )


def _exchange_named(value: str, user) -> Exchange | None:
    """The exchange a rep typed or picked: its slug (the list's value), else the one exchange its name,
    or another name of it (katakana, Chinese), names among those the user may see (crm.search)."""
    value = (value or "").strip()
    if not value:
        return None
    visible = Exchange.objects.visible_to(user).families()
    exact = visible.filter(slug=value).first()
    if exact is not None:
        return exact
    found = list(visible.search(value)[:2])
    if len(found) != 1:
        raise ValidationError(
            {
                "exchange": _("No exchange you may see is called “%(name)s”: pick one from the list, or create it.")
                % {"name": value}
                if not found
                else _("“%(name)s” names several exchanges: pick one from the list.") % {"name": value}
            }
        )
    return found[0]


def _decision_answer(request, event: Event, tab: str, *, ok: bool, message: str, status: int = 200, people=(), **extra):
    """The answer to a decision: JSON for the page's script, else back to the queue with the message.
    A decision made says who follows the people up now (the one count of intel.downstream)."""
    summary = people_summary(event=event, user=request.user, attendee_ids=[p.pk for p in people]) if ok else None
    steps = summary.next_steps() if summary is not None else ""
    if steps:
        message = _("%(message)s Follow-ups: %(steps)s.") % {"message": message, "steps": steps}
    if _wants_json(request):
        body = {"ok": ok, "message": message, "counts": _queue_counts(event, request.user), **extra}
        if summary is not None:
            body["follow_ups"] = summary.as_dict()
        return JsonResponse(body, status=status)
    (messages.success if ok else messages.error)(request, message)
    return redirect(_queue_url(event, tab))


def _refused(request, error: PermissionDenied):
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": str(error)}, status=403)
    raise error


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_POST
def review_decide(request, slug: str, attendee_id: int):
    """One person's decision: confirm, another exchange, or not an exchange."""
    event = get_object_or_404(Event, slug=slug)
    tab = _tab_of(request)
    attendee = _review_items(event, request.user, REVIEW_TABS[tab]).filter(pk=attendee_id).first()
    if attendee is None:
        raise Http404(_("No such person waiting for review."))
    return _decide_people(request, event, tab, [attendee], label=attendee.full_name)


@login_required
@require_POST
def review_decide_company(request, slug: str):
    """One decision for everyone at a company as scanned (in the tab's queue, that the user may see)."""
    event = get_object_or_404(Event, slug=slug)
    tab = _tab_of(request)
    key = request.POST.get("company", "")
    people = [
        person
        for person in _review_items(event, request.user, REVIEW_TABS[tab])
        if (company_key(person.company) or f"#{person.pk}") == key
    ]
    if not people:
        raise Http404(_("Nobody at that company is waiting for a decision."))
    return _decide_people(request, event, tab, people, label=people[0].company or people[0].full_name)


def _decide_people(request, event: Event, tab: str, people: list[Attendee], *, label: str):
    decision = request.POST.get("decision")
    remember = request.POST.get("remember") == "on" or request.POST.get("remember_alias") == "on"
    count = len(people)
    try:
        if decision == "create":
            code = request.POST.get("headquarters", "").strip().upper()
            headquarters = Jurisdiction.objects.filter(code=code).first() if code else None
            if code and headquarters is None:
                raise ValidationError({"headquarters": _("No country with the code %(code)s.") % {"code": code}})
            exchange = exchange_create_for_people(
                name=request.POST.get("name", ""),
                website=request.POST.get("website", ""),
                headquarters=headquarters,
                attendees=people,
                user=request.user,
            )
            message = ngettext(
                "%(label)s: %(exchange)s created and %(n)s person matched to it.",
                "%(label)s: %(exchange)s created and %(n)s people matched to it.",
                count,
            ) % {"label": label, "exchange": exchange.name, "n": count}
        else:
            exchange = _exchange_named(request.POST.get("exchange", ""), request.user) if decision == "choose" else None
            if decision == "choose" and exchange is None:
                raise ValidationError({"exchange": _("Pick an exchange from the list.")})
            attendees_decide(
                attendees=people,
                decision=decision or "",
                exchange=exchange,
                user=request.user,
                remember=remember,
            )
            if decision == "not_exchange":
                message = ngettext(
                    "%(label)s: %(n)s person set aside as not working for an exchange.",
                    "%(label)s: %(n)s people set aside as not working for an exchange.",
                    count,
                ) % {"label": label, "n": count}
            else:
                named = exchange.name if exchange is not None else people[0].exchange.name
                message = ngettext(
                    "%(label)s: %(n)s person matched to %(exchange)s.",
                    "%(label)s: %(n)s people matched to %(exchange)s.",
                    count,
                ) % {"label": label, "n": count, "exchange": named}
    except PermissionDenied as error:
        return _refused(request, error)
    except ValidationError as error:
        return _decision_answer(
            request,
            event,
            tab,
            ok=False,
            message=_("%(what)s: %(error)s") % {"what": label, "error": _error_text(error)},
            status=400,
        )
    return _decision_answer(request, event, tab, ok=True, message=message, decided=count, people=people)


@login_required
@require_POST
def not_an_exchange_forget(request, slug: str, company_id: int):
    """A manager undoes "not an exchange" for a company: later imports match its people again."""
    event = get_object_or_404(Event, slug=slug)
    company = get_object_or_404(NotAnExchangeCompany, pk=company_id)
    try:
        not_an_exchange_company_forget(company=company, user=request.user)
    except PermissionDenied as error:
        return _refused(request, error)
    message = _("%(company)s: later imports match its people again.") % {"company": company.company}
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message})
    messages.success(request, message)
    return redirect(_queue_url(event, _tab_of(request)))
