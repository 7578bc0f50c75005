"""Pages of the evidence: events (create, badge-scan upload with preview, review queue) and signals
(a filtered feed, and a form that shows which exchanges a signal affects before it is saved)."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from crm.access import (
    changeable_exchange_ids,
    changeable_exchanges,
    ensure_manager,
    ensure_may_change_exchange,
    is_manager,
    visible_exchange_ids,
)
from crm.models import Exchange, Jurisdiction
from intel.choices import MatchStatus, SignalKind
from intel.coverage import data_coverage
from intel.downstream import people_summary
from intel.forms import (
    BadgeScanCommitForm,
    BadgeScanUploadForm,
    EventForm,
    SignalFeedFilterSet,
    SignalForm,
)
from intel.models import (
    Attendee,
    AttendeeImport,
    Event,
    MarketDataImport,
    NotAnExchangeCompany,
    Register,
    Regulation,
    Signal,
)
from intel.parsing import FIELD_LABELS, FileError, FileTooLarge, rejected_rows_csv
from intel.queries import regulatory_pressure, signal_preview
from intel.services import (
    attendee_import,
    attendee_import_preview,
    attendee_upload_check,
    attendees_decide,
    company_groups,
    company_key,
    exchange_create_for_people,
    not_an_exchange_company_forget,
    signal_record,
    upload_limits,
)
from intel.services.attendees import import_progress_text

UPLOAD_TTL_SECONDS = 60 * 60  # a previewed file waits this long for its commit
FEED_LENGTH = 100
# How the preview names a file's separator (translated when shown).
DELIMITER_LABELS = {"\t": gettext_noop("tabs"), ",": gettext_noop("commas"), ";": gettext_noop("semicolons")}
REVIEW_PAGE = 25  # companies shown at once; the queue shrinks as they are decided


# ---------------------------------------------------------------- events


@login_required
def event_list(request):
    seen = _attendees_seen_by(request.user, prefix="attendees__")
    events = Event.objects.select_related("country").annotate(
        attendee_count=Count("attendees", filter=seen, distinct=True),
        review_count=Count("attendees", filter=seen & Q(attendees__match_status=MatchStatus.REVIEW), distinct=True),
    )
    return render(
        request,
        "intel/event_list.html",
        {"section": "events", "events": events.order_by("-starts_on"), "may_create": is_manager(request.user)},
    )


@login_required
def event_create(request):
    ensure_manager(request.user, gettext_noop("Only a manager creates events."))
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = form.save()
        messages.success(request, _("%(event)s created. Upload the badge scans next.") % {"event": event.name})
        return redirect("intel:event_upload", slug=event.slug)
    return render(request, "intel/event_form.html", {"section": "events", "form": form})


def delimiter_label(delimiter: str) -> str:
    """The file's separator as the preview names it: a word for the usual ones, else the character quoted."""
    return _(DELIMITER_LABELS[delimiter]) if delimiter in DELIMITER_LABELS else f"“{delimiter}”"


def import_button_label(*, valid_rows: int, rejected_rows: int) -> str:
    """What the preview's button does, in its mode: all rows, or the valid rows with the rest skipped."""
    if not valid_rows:
        return _("Nothing to import")
    people = ngettext("Import %(n)s person", "Import %(n)s people", valid_rows) % {"n": valid_rows}
    if not rejected_rows:
        return people
    return ngettext("%(import)s and skip %(n)s row", "%(import)s and skip %(n)s rows", rejected_rows) % {
        "import": people,
        "n": rejected_rows,
    }


def _upload_key(user, token: str) -> str:
    return f"ui:badge-scan:{user.pk}:{token}"


def _progress_key(user, token: str) -> str:
    return f"ui:badge-scan-progress:{user.pk}:{token}"


@login_required
def event_upload_progress(request, slug: str):
    """How far the uploader's import of one previewed file has got (the page polls it while the import
    runs): {"done", "total", "text"}; {} before it starts. Only the uploader's own imports."""
    get_object_or_404(Event, slug=slug)
    state = cache.get(_progress_key(request.user, request.GET.get("token", ""))) or {}
    if state:
        state = {**state, "text": import_progress_text(state["done"], state["total"])}
    return JsonResponse(state)


@login_required
def event_upload(request, slug: str):
    """Upload a badge-scan file: first a preview (guessed columns, rows to be rejected), then commit."""
    event = get_object_or_404(Event, slug=slug)
    context = {"section": "events", "event": event, "form": BadgeScanUploadForm()}
    if request.method == "POST" and "file" in request.FILES:
        form = BadgeScanUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # Over the byte limit: refused from the size, before the file is read.
                limits = attendee_upload_check(size=upload.size)
                data = upload.read()
                preview = attendee_import_preview(event=event, data=data, max_rows=limits.max_rows, user=request.user)
            except FileError as error:
                form.add_error("file", _("%(what)s: %(error)s") % {"what": upload.name, "error": error})
                status = 413 if isinstance(error, FileTooLarge) else 400
                return render(request, "intel/event_upload.html", context, status=status)
            else:
                token = hashlib.sha256(data).hexdigest()[:32]
                cache.set(_upload_key(request.user, token), {"name": upload.name, "data": data}, UPLOAD_TTL_SECONDS)
                commit_form = BadgeScanCommitForm(initial={"token": token})
                if preview.problems:
                    # A file with rejected rows can only be imported by keeping the valid ones.
                    commit_form.fields["keep_valid"].widget.attrs["required"] = True
                context.update(
                    preview=preview,
                    filename=upload.name,
                    commit_form=commit_form,
                    delimiter_label=delimiter_label(preview.delimiter),
                    # Each column of the file and the field it is read as, named in the reader's language.
                    columns=[(header, FIELD_LABELS[name] if name else "") for header, name in preview.mapping.items()],
                    import_label=import_button_label(
                        valid_rows=preview.valid_rows, rejected_rows=len({p.line for p in preview.problems})
                    ),
                    sample_problems=preview.problems[:50],
                )
    elif request.method == "POST":
        commit_form = BadgeScanCommitForm(request.POST)
        stored = cache.get(_upload_key(request.user, request.POST.get("token", ""))) if commit_form.is_valid() else None
        if stored is None:
            messages.error(request, _("That preview has expired: upload the file again."))
            return redirect("intel:event_upload", slug=event.slug)
        progress_key = _progress_key(request.user, commit_form.cleaned_data["token"])

        def progress(done: int, total: int) -> None:
            cache.set(progress_key, {"done": done, "total": total}, UPLOAD_TTL_SECONDS)

        try:
            outcome = attendee_import(
                event=event,
                data=stored["data"],
                filename=stored["name"],
                keep_valid=commit_form.cleaned_data["keep_valid"],
                imported_by=request.user,
                max_rows=upload_limits().max_rows,
                progress=progress,
            )
        except FileError as error:
            messages.error(request, _("%(what)s: %(error)s") % {"what": stored["name"], "error": error})
            return redirect("intel:event_upload", slug=event.slug)
        if not outcome.is_committed:
            context.update(refused=outcome, filename=stored["name"], sample_problems=outcome.problems[:50])
            return render(request, "intel/event_upload.html", context, status=400)
        cache.delete_many([_upload_key(request.user, commit_form.cleaned_data["token"]), progress_key])
        # Who acts next, counted by the one function the event page and the API call too.
        summary = people_summary(event=event, user=request.user, batch=outcome.batch)
        text = summary.text() if summary is not None else outcome.summary()
        messages.success(request, _("%(file)s: %(summary)s.") % {"file": stored["name"], "summary": text})
        return redirect("intel:event_detail", slug=event.slug)
    return render(request, "intel/event_upload.html", context)


@login_required
def event_detail(request, slug: str):
    event = get_object_or_404(Event.objects.select_related("country"), slug=slug)
    counts = dict(
        Attendee.objects.filter(event=event)
        .filter(_attendees_seen_by(request.user))
        .values_list("match_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    imports = list(event.imports.select_related("imported_by").order_by("-pk")[:10])
    for batch in imports:
        batch.may_download = bool(batch.rejected_count) and _may_download(batch, request.user)
        batch.summary = people_summary(event=event, user=request.user, batch=batch)
    return render(
        request,
        "intel/event_detail.html",
        {
            "section": "events",
            "event": event,
            "counts": [(label, counts.get(value, 0)) for value, label in MatchStatus.choices],
            "total": sum(counts.values()),
            "review_count": counts.get(MatchStatus.REVIEW, 0),
            "unmatched_count": counts.get(MatchStatus.UNMATCHED, 0),
            "imports": imports,
        },
    )


def _may_download(batch: AttendeeImport, user) -> bool:
    return batch.imported_by_id == user.pk or is_manager(user)


@login_required
def import_rejected_rows(request, slug: str, import_id: int):
    """The rows an upload rejected, for the person who uploaded it or a manager."""
    batch = get_object_or_404(AttendeeImport.objects.exclude(rejected_count=0), pk=import_id, event__slug=slug)
    if not _may_download(batch, request.user):
        raise Http404(_("No such upload."))
    response = HttpResponse(rejected_rows_csv(batch.rejected_report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-upload-{batch.pk}-rejected-rows.csv"'
    return response


def _attendees_seen_by(user, prefix: str = "") -> Q:
    """The people at an event a user may see: those at no known exchange (event data, shared by the
    team) and those matched or suggested to an exchange the user may see."""
    visible = Exchange.objects.visible_to(user).values("pk")
    return Q(**{f"{prefix}exchange__isnull": True}) | Q(**{f"{prefix}exchange__in": visible})


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


# ---------------------------------------------------------------- signals


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


# ---------------------------------------------------------------- managers: what we know, what is coming


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
