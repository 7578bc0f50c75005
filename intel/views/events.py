"""Event pages: the list, a new event, its detail, and the badge-scan upload with its preview,
progress and rejected rows."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from crm.access import (
    ensure_manager,
    is_manager,
)
from crm.models import Exchange
from intel.choices import MatchStatus
from intel.downstream import people_summary
from intel.forms import (
    BadgeScanCommitForm,
    BadgeScanUploadForm,
    EventForm,
)
from intel.models import (
    Attendee,
    AttendeeImport,
    Event,
)
from intel.parsing import FIELD_LABELS, FileError, FileTooLarge, rejected_rows_csv
from intel.services import (
    attendee_import,
    attendee_import_preview,
    attendee_upload_check,
    upload_limits,
)
from intel.services.attendees import import_progress_text

UPLOAD_TTL_SECONDS = 60 * 60  # a previewed file waits this long for its commit
# How the preview names a file's separator (translated when shown).
DELIMITER_LABELS = {"\t": gettext_noop("tabs"), ",": gettext_noop("commas"), ";": gettext_noop("semicolons")}


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
