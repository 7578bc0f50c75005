"""What the pages show, assembled from a fixed number of queries: the exchange page, Today, list rows and
CSV rows. Views stay thin; templates only lay out what these functions return."""

import datetime
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import Count, F, Min, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext as _

from crm.access import is_manager, visible_exchange_ids
from crm.choices import EVIDENCE_STRENGTH
from crm.models import Exchange, Rep
from intel.models import Event, Signal
from leads.choices import Grade, ScoreCause
from leads.models import FollowUp, RescoreRun, Score, ScoreChange
from leads.reasons import reason_line, reasons_top
from leads.salesforce.mapping import ACCOUNT
from leads.salesforce.services import field_map_current
from leads.salesforce.sources import account_values
from leads.sentences import factor_sentence

TOP_PROSPECTS = 10
BIG_MOVE_POINTS = 10
RECENT_SIGNAL_DAYS = 7
FOLLOW_UPS_SHOWN = 50
# Today lists the follow-ups due in this many hours, and those overdue for less; older ones fold per event.
TODAY_WINDOW_HOURS = 48


# ---------------------------------------------------------------- factors and reasons


def evidence_href(reference: Any, exchange: Exchange | None = None) -> tuple[str, str] | None:
    """Where a factor's evidence lives: ('allocation', 12) -> the allocation's row on the exchange page."""
    if isinstance(reference, dict):
        kind, key = str(reference.get("kind") or reference.get("type") or ""), reference.get("id")
    else:
        kind, _sep, key = str(reference).partition(":")
    if not kind or key in (None, ""):
        return None
    kind = kind.lower()
    if kind == "event":
        return (f"event {key}", reverse("intel:event_list") + f"#event-{key}")
    if kind == "signal" and exchange is None:
        return (f"signal {key}", reverse("intel:signal_list") + f"#signal-{key}")
    anchor = {
        "allocation": "allocation",
        "signal": "signal",
        "regulation": "regulation",
        "presence": "presence",
        "activity": "activity",
    }.get(kind, kind)
    base = reverse("leads:exchange", args=[exchange.slug]) if exchange is not None else ""
    return (f"{kind} {key}", f"{base}#{anchor}-{key}")


def factor_rows(factors: list[dict], exchange: Exchange | None = None) -> list[dict]:
    rows = []
    for factor in factors or []:
        links = [link for link in (evidence_href(ref, exchange) for ref in factor.get("references") or []) if link]
        rows.append(
            {
                "code": factor.get("code", ""),
                "points": factor.get("points", 0),
                "sentence": factor_sentence(factor),
                "links": links,
            }
        )
    return rows


def change_cause(change: ScoreChange) -> str:
    """What moved a score: the factor whose points changed most between the old and the new score, in the
    active language (a history row keeps its factors' messages and parameters, so an old change reads in
    any language)."""
    old = {f.get("code"): f for f in change.old_factors or []}
    new = {f.get("code"): f for f in change.new_factors or []}
    best, best_delta = "", 0
    for code in set(old) | set(new):
        delta = (new.get(code, {}).get("points") or 0) - (old.get(code, {}).get("points") or 0)
        if abs(delta) > abs(best_delta):
            best_delta = delta
            best = factor_sentence(new.get(code) or old.get(code) or {})
            if code not in new:
                best = gettext("No longer: %(reason)s") % {"reason": best}
    return best or change.get_cause_display()


# ---------------------------------------------------------------- lists and exports


def lead_row(exchange: Exchange) -> dict:
    score = _score_of(exchange)
    return {
        "exchange": exchange,
        "score": score,
        "reason": reason_line(score.factors) if score else "",
        "reasons": reasons_top(score.factors) if score else [],
    }


def _score_of(exchange: Exchange) -> Score | None:
    try:
        return exchange.score
    except Score.DoesNotExist:
        return None


def _confidence(allocation) -> int:
    if allocation.confidence is not None:
        return allocation.confidence
    return EVIDENCE_STRENGTH.get(allocation.evidence_source, 50)


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def leads_csv(exchanges: QuerySet[Exchange]) -> tuple[list[str], list[list[object]]]:
    # The header is for people, in the reader's language; the cells keep codes (slug, grade, country code).
    header = [
        _("Exchange"),
        _("Slug"),
        _("Grade"),
        _("Score"),
        _("Reason"),
        _("Headquarters"),
        _("Size"),
        _("Stage"),
        _("Owner"),
        _("Our share (%)"),
        _("Website"),
    ]
    rows = []
    for exchange in exchanges:
        score = _score_of(exchange)
        rows.append(
            [
                exchange.name,
                exchange.slug,
                score.grade if score else "",
                score.score if score else "",
                reason_line(score.factors) if score else "",
                exchange.headquarters.code if exchange.headquarters else "",
                exchange.get_size_tier_display(),
                exchange.get_stage_display(),
                exchange.owner.get_username() if exchange.owner else "",
                _percent(exchange.our_share),
                exchange.website,
            ]
        )
    return header, rows


def leads_salesforce_csv(
    exchanges: QuerySet[Exchange], *, today: datetime.date
) -> tuple[list[str], list[list[object]]]:
    """The Account fields the Salesforce sync upserts (its field map, with a manager's overrides) and the
    values it would send, so a file can be loaded by hand the same way."""
    account_map = field_map_current()[ACCOUNT]
    ids = list(exchanges.values_list("pk", flat=True))
    values = account_values(ids, today=today)
    header = list(account_map.values())
    rows = [[values[pk].get(source) for source in account_map] for pk in ids if pk in values]
    return header, rows


def follow_ups_csv(follow_ups, *, now: datetime.datetime) -> tuple[list[str], list[list[object]]]:
    header = [
        _("Rank"),
        _("Person"),
        pgettext("job", "Title"),
        _("Company"),
        _("Exchange"),
        _("Email"),
        _("Phone"),
        _("Person score"),
        _("Assignee"),
        _("Status"),
        _("Next step"),
        _("Due"),
        _("Overdue"),
    ]
    rows = []
    for rank, f in enumerate(follow_ups, start=1):
        attendee = f.attendee
        rows.append(
            [
                rank,
                attendee.full_name,
                attendee.title,
                attendee.company,
                attendee.exchange.name if attendee.exchange else "",
                attendee.email,
                attendee.phone,
                f.person_score,
                f.assignee.get_username() if f.assignee else "",
                f.get_status_display(),
                f.next_step_label,
                f.due_at.isoformat(),
                _("yes") if f.is_overdue(now) else _("no"),
            ]
        )
    return header, rows


def exchanges_openable(*, user, follow_ups) -> set[int]:
    """Of these follow-ups' exchanges, the ids whose page the user may open: those they may see, and
    those of the follow-ups they hold (read-only: the page says the account is another territory's)."""
    held = {f.attendee.exchange_id for f in follow_ups if f.assignee_id == user.pk and f.attendee.exchange_id}
    return held | visible_exchange_ids(user, (f.attendee.exchange_id for f in follow_ups))


# ---------------------------------------------------------------- the follow-up board

# The board's own query parameters: its filters and its page. A status save comes back to them.
BOARD_QUERY_KEYS = ("mine", "overdue", "status", "assignee", "is_unassigned", "grade", "due", "page")


def board_query(query) -> str:
    """The board's query string from a QueryDict, keeping only its own parameters (in a fixed order)."""
    kept = QueryDict(mutable=True)
    for key in BOARD_QUERY_KEYS:
        values = [value for value in query.getlist(key) if value]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def follow_up_board_filters(query) -> dict:
    """What the board's filter form shows as chosen."""
    return {
        "status": query.get("status", ""),
        "assignee": query.get("assignee", ""),
        "is_unassigned": query.get("is_unassigned", ""),
        "grade": query.get("grade", ""),
        "due": query.get("due", ""),
        "mine": query.get("mine") == "1",
        "overdue": query.get("overdue") == "1",
    }


# A value no URL of the product holds, accepted by the slug and int converters alike.
_STAND_IN = "90817263544536271809"


def url_filler(name: str, *fixed) -> Callable[[object], str]:
    """The URL `name` for a page listing many rows: the arguments `fixed` and a last one that changes
    from row to row, reversed once with a stand-in for the last, then filled for each row."""
    head, _stand_in, tail = reverse(name, args=[*fixed, _STAND_IN]).rpartition(_STAND_IN)
    return lambda value: f"{head}{quote(str(value), safe='')}{tail}"


def follow_up_grade(follow_up: FollowUp) -> str:
    """The grade of the follow-up's exchange, or "" when the person has none or it is not scored."""
    exchange = follow_up.attendee.exchange
    score = _score_of(exchange) if exchange is not None else None
    return score.grade if score else ""


# ---------------------------------------------------------------- Today


# What Today shows of a follow-up and of its person, event, exchange and assignee (not their notes,
# candidates or imported values).
TODAY_FOLLOW_UP_FIELDS = (
    "due_at",
    "next_step",
    "person_score",
    "attendee__full_name",
    "attendee__title",
    "attendee__company",
    "attendee__event__name",
    "attendee__event__slug",
    "attendee__exchange__name",
    "attendee__exchange__slug",
    "assignee__username",
)


def today_context(*, user, rep_username: str, now: datetime.datetime) -> dict:
    """The morning page: top prospects, what changed since yesterday, follow-ups due, new signals.

    A manager sees the team, or one rep's view of it when `rep_username` names one."""
    manager = is_manager(user)
    team = list(Rep.objects.select_related("user").order_by("user__username")) if manager else []
    focus = None
    if manager and rep_username:
        focus = next((r.user for r in team if r.user.get_username() == rep_username), None)
    scope_user = focus or user
    visible = Exchange.objects.visible_to(user)
    if focus is not None:
        visible = visible.filter(pk__in=Exchange.objects.visible_to(focus).values("pk"))
    visible_ids = visible.values("pk")

    prospects = list(
        Score.objects.filter(exchange__in=visible_ids).prospects().select_related("exchange")[:TOP_PROSPECTS]
    )
    since = now - datetime.timedelta(days=1)
    recent = list(
        ScoreChange.objects.filter(exchange__in=visible_ids, created_at__gte=since)
        .select_related("exchange")
        .order_by("-id")[:500]
    )
    latest: dict[int, ScoreChange] = {}
    earliest: dict[int, ScoreChange] = {}
    for change in recent:
        latest.setdefault(change.exchange_id, change)
        earliest[change.exchange_id] = change
    moves = []
    for exchange_id, last in latest.items():
        first = earliest[exchange_id]
        old_score, old_grade = first.old_score, first.old_grade
        delta = last.new_score - (old_score or 0)
        is_new_a = last.new_grade == Grade.A and old_grade != Grade.A
        if is_new_a or (old_score is not None and abs(delta) >= BIG_MOVE_POINTS):
            moves.append(
                {
                    "exchange": last.exchange,
                    "old_score": old_score,
                    "new_score": last.new_score,
                    "old_grade": old_grade,
                    "new_grade": last.new_grade,
                    "delta": delta,
                    "is_new_a": is_new_a,
                    "cause": change_cause(last),
                }
            )
    moves.sort(key=lambda m: (not m["is_new_a"], -abs(m["delta"]), m["exchange"].name))

    # Follow-ups: those due in the next 48 hours first, best person first; then those overdue for less
    # than 48 hours, earliest first; older overdue ones fold into one line per event.
    soon_end = now + datetime.timedelta(hours=TODAY_WINDOW_HOURS)
    stale_before = now - datetime.timedelta(hours=TODAY_WINDOW_HOURS)
    # A follow-up is due on Today while a step of its cadence is pending (FollowUpQuerySet.steps_pending).
    to_do = FollowUp.objects.steps_pending()
    # A manager's team view shows every follow-up due; a rep's (or a manager's look at one rep), theirs.
    to_do = to_do.visible_to(user) if manager and focus is None else to_do.filter(assignee=scope_user)
    follow_ups = to_do.filter(due_at__gte=stale_before, due_at__lt=soon_end)
    follow_ups_total = follow_ups.count()
    # Where to see them all: each event's board, narrowed to the overdue (and to mine for a rep's own view).
    board_query = (
        "mine=1&overdue=1"
        if not manager
        else f"assignee={focus.get_username()}&overdue=1"
        if focus is not None
        else "overdue=1"
    )
    board_url = url_filler("leads:follow_ups")
    due_events = [
        {"event": event, "url": board_url(event.slug) + f"?{board_query}"}
        for event in Event.objects.filter(pk__in=follow_ups.filter(due_at__lt=now).values("event"))
        .only("name", "slug")
        .order_by("-starts_on", "name")
    ]
    related = ("attendee", "attendee__event", "attendee__exchange", "assignee")
    soon = list(
        follow_ups.filter(due_at__gte=now)
        .select_related(*related)
        .only(*TODAY_FOLLOW_UP_FIELDS)
        .order_by("-person_score", "due_at", "pk")[:FOLLOW_UPS_SHOWN]
    )
    recent = list(
        follow_ups.filter(due_at__lt=now)
        .select_related(*related)
        .only(*TODAY_FOLLOW_UP_FIELDS)
        .order_by("due_at", "-person_score", "pk")[: FOLLOW_UPS_SHOWN - len(soon)]
    )
    follow_ups = soon + recent
    groups = {
        row["event"]: row
        for row in to_do.filter(due_at__lt=stale_before)
        .values("event")
        .annotate(count=Count("*"), oldest=Min("due_at"))  # "*", not the id: read from the indexes alone
        .order_by()
    }
    stale = [
        {
            "event": event,
            "count": groups[event.pk]["count"],
            "oldest": groups[event.pk]["oldest"],
            "url": board_url(event.slug) + f"?{board_query}",
        }
        for event in Event.objects.filter(pk__in=list(groups)).only("name", "slug").order_by("-starts_on", "name")
    ]
    openable = exchanges_openable(user=user, follow_ups=follow_ups)

    signals = list(
        Signal.objects.filter(
            exchanges__in=visible_ids, created_at__gte=now - datetime.timedelta(days=RECENT_SIGNAL_DAYS)
        )
        .distinct()
        .order_by("-occurred_at", "-pk")[:20]
    )
    touched: dict[int, list[Exchange]] = defaultdict(list)
    if signals:
        through = Signal.exchanges.through.objects.filter(
            signal_id__in=[s.pk for s in signals], exchange__in=visible_ids
        ).select_related("exchange")
        for row in through:
            touched[row.signal_id].append(row.exchange)

    return {
        "activation": activation_moves(visible_ids=visible_ids, now=now),
        "is_manager": manager,
        "team": team,
        "focus": focus,
        "prospects": [{"score": s, "reason": reason_line(s.factors)} for s in prospects],
        "moves": moves,
        "follow_ups": [
            {
                "follow_up": f,
                "is_overdue": f.due_at < now,
                "next_step": f.next_step_label,
                "due_label": due_label(f.due_at, now=now),
                "may_open_exchange": f.attendee.exchange_id in openable,
            }
            for f in follow_ups
        ],
        "follow_ups_stale": stale,
        "follow_ups_total": follow_ups_total,
        "follow_ups_events": due_events,
        "signals": [{"signal": s, "exchanges": touched.get(s.pk, [])} for s in signals],
        "now": now,
    }


ACTIVATION_SHOWN_DAYS = 7
ACTIVATION_MOVES_SHOWN = 50


def activation_moves(*, visible_ids, now: datetime.datetime) -> dict | None:
    """What the latest scoring model activation (of the last week) changed: the grade moves of its
    rescore run (leads.RescoreRun: its changes carry its cause and moment; a first score is no move), on
    the exchanges the reader may see, best new grade first. None when no model was activated that week."""
    run = (
        RescoreRun.objects.filter(
            cause=ScoreCause.MODEL_CHANGE, created_at__gte=now - datetime.timedelta(days=ACTIVATION_SHOWN_DAYS)
        )
        .order_by("-pk")
        .first()
    )
    if run is None:
        return None
    changes = (
        ScoreChange.objects.filter(cause=ScoreCause.MODEL_CHANGE, as_of=run.as_of, exchange__in=visible_ids)
        .exclude(old_grade=F("new_grade"))
        .exclude(old_grade="")  # a first score is no move
        .select_related("exchange")
        .order_by("new_grade", "exchange__name", "pk")
    )
    total = changes.count()
    moves = [
        {"exchange": c.exchange, "old_grade": c.old_grade, "new_grade": c.new_grade, "is_up": _is_up(c)}
        for c in changes[:ACTIVATION_MOVES_SHOWN]
    ]
    return {"run": run, "moves": moves, "total": total, "is_finished": run.finished_at is not None}


def _is_up(change: ScoreChange) -> bool:
    return change.new_grade < change.old_grade


def due_label(due_at: datetime.datetime, *, now: datetime.datetime) -> str:
    """When a follow-up still to come is due, in the active time zone: "Today 15:30", "Tomorrow 00:30",
    else "Thu 3 Dec 09:00" (in the reader's language)."""
    from django.utils import dateformat, timezone

    local, today = timezone.localtime(due_at), timezone.localtime(now).date()
    days = (local.date() - today).days
    if days == 0:
        return gettext("Today %(time)s") % {"time": f"{local:%H:%M}"}
    if days == 1:
        return gettext("Tomorrow %(time)s") % {"time": f"{local:%H:%M}"}
    # Django's date format characters, in the order the reader's language writes a day ("Thu 3 Dec 09:00").
    return dateformat.format(local, gettext("D j M H:i"))
