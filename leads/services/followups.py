"""Follow-up lists: rank the people met at an event, split them among reps, track each to an outcome."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.choices import RepRole
from crm.models import Presence, Rep
from intel.choices import MatchStatus
from intel.models import Attendee, Event
from leads.choices import AssignmentMethod, FollowUpStatus
from leads.models import FollowUp, Score, ScoringModel
from leads.scoring import PersonFacts, score_person


def follow_up_due_at(event: Event) -> datetime.datetime:
    """The event ends at midnight after its last day, in the venue's time zone; the SLA runs from then."""
    ends = datetime.datetime.combine(
        event.ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=zoneinfo.ZoneInfo(event.timezone)
    )
    return ends + datetime.timedelta(hours=event.follow_up_sla_hours)


@transaction.atomic
def follow_ups_create_for_event(*, event: Event) -> list[FollowUp]:
    """Create (or refresh the person score of) one follow-up per person met at the event who may be
    a lead, then assign the unassigned: by territory of the matched exchange, else round-robin.
    Assignments and statuses already set are kept. Returns the list, best person first."""
    active = ScoringModel.objects.filter(is_active=True).first()
    if active is None:
        raise ValidationError("No scoring model is active: activate one in the admin.")
    parameters = active.get_parameters()
    attendees = list(
        Attendee.objects.filter(event=event)
        .exclude(match_status=MatchStatus.NOT_AN_EXCHANGE)
        .select_related("exchange", "contact")
    )
    scores = dict(
        Score.objects.filter(exchange_id__in=[a.exchange_id for a in attendees if a.exchange_id]).values_list(
            "exchange_id", "score"
        )
    )
    existing = {f.attendee_id: f for f in FollowUp.objects.filter(attendee__event=event)}
    due_at = follow_up_due_at(event)
    to_create, to_update = [], []
    for attendee in attendees:
        matched = attendee.exchange if attendee.match_status == MatchStatus.MATCHED else None
        person = score_person(
            PersonFacts(
                attendee.full_name,
                title=attendee.title or (attendee.contact.title if attendee.contact else ""),
                contact_role=attendee.contact.role if attendee.contact else "",
                exchange_name=matched.name if matched else "",
                exchange_score=scores.get(matched.pk, 0) if matched else None,
                notes=attendee.notes,
            ),
            parameters=parameters,
        )
        follow_up = existing.get(attendee.pk)
        if follow_up is None:
            to_create.append(
                FollowUp(
                    attendee=attendee, due_at=due_at, person_score=person.score, person_factors=person.factors_json()
                )
            )
        elif (follow_up.person_score, follow_up.person_factors, follow_up.due_at) != (
            person.score,
            person.factors_json(),
            due_at,
        ):
            follow_up.person_score, follow_up.person_factors, follow_up.due_at = (
                person.score,
                person.factors_json(),
                due_at,
            )
            to_update.append(follow_up)
    FollowUp.objects.bulk_create(to_create)
    FollowUp.objects.bulk_update(to_update, ["person_score", "person_factors", "due_at"])
    _assign_unassigned(event)
    return list(FollowUp.objects.for_event(event.pk).select_related("attendee", "assignee"))


def _assign_unassigned(event: Event) -> None:
    reps = list(Rep.objects.filter(role=RepRole.REP, user__is_active=True).order_by("user__username"))
    if not reps:
        return
    territories = {rep.user_id: set(rep.territories.values_list("pk", flat=True)) for rep in reps}
    follow_ups = list(FollowUp.objects.for_event(event.pk).select_related("attendee__exchange"))
    load = Counter(f.assignee_id for f in follow_ups if f.assignee_id)
    exchange_ids = {f.attendee.exchange_id for f in follow_ups if f.attendee.exchange_id}
    places: dict[int, set[int]] = defaultdict(set)
    for exchange_id, jurisdiction_id in Presence.objects.filter(exchange_id__in=exchange_ids).values_list(
        "exchange_id", "jurisdiction_id"
    ):
        places[exchange_id].add(jurisdiction_id)
    for follow_up in follow_ups:
        exchange = follow_up.attendee.exchange
        if exchange is not None and exchange.headquarters_id:
            places[exchange.pk].add(exchange.headquarters_id)
    turn = 0
    changed = []
    for follow_up in follow_ups:  # best person first, so the best leads spread evenly
        if follow_up.assignee_id:
            continue
        exchange_id = follow_up.attendee.exchange_id
        covering = [r for r in reps if exchange_id and places.get(exchange_id, set()) & territories[r.user_id]]
        if covering:
            rep = min(covering, key=lambda r: (load[r.user_id], r.user.username))
            method = AssignmentMethod.TERRITORY
        else:
            rep = reps[turn % len(reps)]
            turn += 1
            method = AssignmentMethod.ROUND_ROBIN
        follow_up.assignee_id, follow_up.assignment_method = rep.user_id, method
        load[rep.user_id] += 1
        changed.append(follow_up)
    FollowUp.objects.bulk_update(changed, ["assignee", "assignment_method"])


@transaction.atomic
def follow_up_assign(*, follow_up: FollowUp, assignee) -> FollowUp:
    """Give a follow-up to a rep by hand."""
    follow_up.assignee = assignee
    follow_up.assignment_method = AssignmentMethod.MANUAL if assignee else AssignmentMethod.UNASSIGNED
    follow_up.save(update_fields=["assignee", "assignment_method", "updated_at"])
    return follow_up


@transaction.atomic
def follow_up_set_status(*, follow_up: FollowUp, status: str, user, now: datetime.datetime | None = None) -> FollowUp:
    """Record a follow-up's new status with who changed it and when."""
    if status not in FollowUpStatus.values:
        raise ValidationError({"status": f"{status!r} is not one of {', '.join(FollowUpStatus.values)}"})
    if follow_up.status == status:
        return follow_up
    follow_up.status = status
    follow_up.status_changed_by = user
    follow_up.status_changed_at = now or timezone.now()
    follow_up.save(update_fields=["status", "status_changed_by", "status_changed_at", "updated_at"])
    return follow_up


@dataclass(frozen=True)
class RepProgress:
    username: str
    total: int
    by_status: dict[str, int]
    overdue: int


@dataclass(frozen=True)
class FollowUpProgress:
    event_id: int
    total: int
    by_status: dict[str, int]
    overdue: int
    unassigned: int
    reps: list[RepProgress] = field(default_factory=list)


def follow_ups_progress(*, event: Event, now: datetime.datetime | None = None) -> FollowUpProgress:
    """A manager's view of an event's follow-ups: counts by status and overdue, per rep."""
    now = now or timezone.now()
    rows = list(FollowUp.objects.filter(attendee__event=event).values_list("assignee_id", "status", "due_at"))
    statuses = dict.fromkeys(FollowUpStatus.values, 0)
    per_rep: dict[int | None, list[tuple[str, bool]]] = defaultdict(list)
    for assignee_id, status, due_at in rows:
        is_overdue = status == FollowUpStatus.TO_DO and due_at < now
        statuses[status] += 1
        per_rep[assignee_id].append((status, is_overdue))
    names = dict(get_user_model().objects.filter(pk__in=[k for k in per_rep if k]).values_list("pk", "username"))
    reps = []
    for assignee_id, items in sorted(per_rep.items(), key=lambda kv: names.get(kv[0], "")):
        if assignee_id is None:
            continue
        counts = dict.fromkeys(FollowUpStatus.values, 0)
        for status, _ in items:
            counts[status] += 1
        reps.append(RepProgress(names[assignee_id], len(items), counts, sum(1 for _, late in items if late)))
    return FollowUpProgress(
        event_id=event.pk,
        total=len(rows),
        by_status=statuses,
        overdue=sum(1 for _assignee, status, due in rows if status == FollowUpStatus.TO_DO and due < now),
        unassigned=len(per_rep.get(None, [])),
        reps=reps,
    )
