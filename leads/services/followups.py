"""Follow-up lists: rank the people met at an event, split them among reps, track each to an outcome."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.access import changeable_exchange_ids, is_manager, may_change_exchange
from crm.bulk import among, bulk_insert
from crm.choices import RepRole
from crm.models import Exchange, Presence, Rep
from intel.choices import MatchStatus
from intel.models import Attendee, Event
from leads.choices import AssignmentMethod, FollowUpStatus
from leads.models import FollowUp, Score, ScoringModel
from leads.parameters import ScoringParameters
from leads.personas import PersonFacts, PersonScore, score_person
from leads.services.cadences import SCHEDULE_FIELDS, event_plan, follow_up_schedule_apply
from leads.webhooks.services import webhook_event_record


def follow_up_due_at(event: Event) -> datetime.datetime:
    """The event ends at midnight after its last day, in the venue's time zone; the SLA runs from then
    (Event.follow_up_due_at, which reads a zone name saved before validation as UTC rather than failing)."""
    return event.follow_up_due_at


def follow_ups_create_for_event(*, event: Event) -> list[FollowUp]:
    """Create (or refresh the person score of) one follow-up per person met at the event who works at a
    matched exchange, then assign the unassigned (see _assign_unassigned). Returns the list, best person first.

    Only matched people are leads. An unmatched person (our own vendor's staff, a rival, a consultancy)
    is nobody's follow-up, and a person still in review is not one yet: their exchange is a guess, and
    assigning by a guess hands them to a rep who may not cover the real one. Resolving the review queue
    and refreshing the list adds them. A follow-up whose person is no longer matched is dropped while
    nobody has worked it (still to do); one with a recorded outcome is kept.
    Assignments and statuses already set are kept, except automatic ones whose rep can no longer open
    the exchange."""
    follow_ups_build_for_event(event=event)
    return list(FollowUp.objects.for_event(event.pk).select_related("attendee", "assignee"))


def follow_ups_match_people(*, event: Event) -> int:
    """Bring each of the event's follow-ups' `has_exchange` in line with its person's exchange (after
    an import or a review decision tied someone to an exchange or untied them), in one statement that
    writes only the follow-ups whose person changed. Returns how many it changed."""
    return (
        FollowUp.objects.filter(event=event)
        .filter(
            Q(has_exchange=True, attendee__exchange__isnull=True)
            | Q(has_exchange=False, attendee__exchange__isnull=False)
        )
        .update(has_exchange=Case(When(has_exchange=True, then=Value(False)), default=Value(True)))
    )


@transaction.atomic
def follow_ups_build_for_event(*, event: Event) -> int:
    """What follow_ups_create_for_event writes, without loading the list back (after an import, and the
    board's refresh, which only say how many): a fixed number of queries, only the columns it compares,
    new rows in one COPY on PostgreSQL. Returns how many follow-ups the event's list has."""
    active = ScoringModel.objects.filter(is_active=True).first()
    if active is None:
        raise ValidationError("No scoring model is active: activate one in the admin.")
    parameters = active.get_parameters()
    attendees = list(
        Attendee.objects.filter(event=event, match_status=MatchStatus.MATCHED, exchange__isnull=False)
        .select_related("exchange", "contact")
        .only(*PERSON_COLUMNS)
    )
    # Those whose person is no longer a matched lead (a join, not a list of every lead's id: NOT IN a
    # list of 30,000 ids costs PostgreSQL a comparison per pair).
    FollowUp.objects.filter(event=event, status=FollowUpStatus.TO_DO).exclude(
        attendee__match_status=MatchStatus.MATCHED, attendee__exchange__isnull=False
    ).delete()
    scores = {
        exchange_id: (score, grade)
        for exchange_id, score, grade in Score.objects.filter(
            exchange_id__in=[a.exchange_id for a in attendees]
        ).values_list("exchange_id", "score", "grade")
    }
    existing = {
        f.attendee_id: f
        for f in FollowUp.objects.filter(event=event).only(
            "attendee_id", "person_score", "person_factors", *SCHEDULE_FIELDS
        )
    }
    plan = event_plan(event)
    to_create, to_update = [], []
    for attendee in attendees:
        exchange_score, grade = scores.get(attendee.exchange_id, (0, ""))
        person = _person_score(attendee, exchange_score, parameters)
        follow_up = existing.get(attendee.pk)
        if follow_up is None:
            follow_up = FollowUp(
                attendee=attendee,
                event=event,
                has_exchange=True,  # only people tied to an exchange become follow-ups
                person_score=person.score,
                person_factors=person.factors_json(),
            )
            # Its next step and due time come from the event's cadence for its exchange's grade.
            follow_up_schedule_apply(follow_up, event=event, plan=plan, grade=grade)
            to_create.append(follow_up)
            continue
        moved = follow_up_schedule_apply(follow_up, event=event, plan=plan, grade=grade)
        if moved or (follow_up.person_score, follow_up.person_factors) != (person.score, person.factors_json()):
            follow_up.person_score, follow_up.person_factors = person.score, person.factors_json()
            to_update.append(follow_up)
    bulk_insert(FollowUp, to_create)
    FollowUp.objects.bulk_update(to_update, ["person_score", "person_factors", *SCHEDULE_FIELDS], batch_size=1000)
    _assign_unassigned(event)
    return len(existing) + len(to_create)


AUTOMATIC_METHODS = (AssignmentMethod.TERRITORY, AssignmentMethod.ROUND_ROBIN)
# What _person_score reads of an attendee, its exchange and its contact.
PERSON_COLUMNS = (
    "full_name",
    "title",
    "notes",
    "exchange_id",
    "contact_id",
    "exchange__name",
    "contact__title",
    "contact__role",
)


def _person_score(attendee: Attendee, exchange_score: int, parameters: ScoringParameters) -> PersonScore:
    """The person score of someone met at an event who works at a matched exchange (the one place
    that builds their facts: the list's build and every rescore of their exchange call it)."""
    return score_person(
        PersonFacts(
            attendee.full_name,
            title=attendee.title or (attendee.contact.title if attendee.contact else ""),
            contact_role=attendee.contact.role if attendee.contact else "",
            exchange_name=attendee.exchange.name,
            exchange_score=exchange_score,
            notes=attendee.notes,
        ),
        parameters=parameters,
    )


def follow_ups_rescore_people(*, exchange_scores: Mapping[int, int], parameters: ScoringParameters) -> int:
    """Recompute the person score of every follow-up at these exchanges from their new scores (and the
    model's persona weights), in the caller's transaction, so a follow-up list never ranks people on
    a score their exchange no longer has. A follow-up on a cadence that nobody has worked yet (no step
    done, still to do) whose exchange changed grade takes its new grade's cadence. Returns how many
    person scores changed."""
    if not exchange_scores:
        return 0
    follow_ups = list(
        FollowUp.objects.filter(
            among("attendee__exchange_id", list(exchange_scores)), attendee__match_status=MatchStatus.MATCHED
        ).select_related("attendee__exchange", "attendee__contact", "attendee__event")
    )
    changed, replanned = [], []
    plans: dict[int, dict] = {}
    for follow_up in follow_ups:
        attendee = follow_up.attendee
        person = _person_score(attendee, exchange_scores[attendee.exchange_id], parameters)
        factors = person.factors_json()
        if (follow_up.person_score, follow_up.person_factors) != (person.score, factors):
            follow_up.person_score, follow_up.person_factors = person.score, factors
            changed.append(follow_up)
        grade = parameters.grade(exchange_scores[attendee.exchange_id])
        # On a cadence (a next step set by one), nothing done yet, and its grade moved.
        is_unworked = follow_up.next_step and follow_up.step_index == 0 and follow_up.status == FollowUpStatus.TO_DO
        if is_unworked and follow_up.cadence_grade != grade:
            if attendee.event_id not in plans:
                plans[attendee.event_id] = event_plan(attendee.event)
            follow_up_schedule_apply(follow_up, event=attendee.event, plan=plans[attendee.event_id], grade=grade)
            replanned.append(follow_up)
    FollowUp.objects.bulk_update(changed, ["person_score", "person_factors"], batch_size=1000)
    FollowUp.objects.bulk_update(replanned, SCHEDULE_FIELDS, batch_size=1000)
    return len(changed)


def _assign_unassigned(event: Event) -> None:
    """Give each unassigned follow-up to someone who can open its exchange: the account's owner; else the
    least loaded rep whose territory covers it (headquarters or a presence); else, round-robin, a rep who
    may see it (Exchange.objects.visible_to). Nobody fits: it stays unassigned, for a manager to give."""
    reps = list(
        Rep.objects.filter(role=RepRole.REP, user__is_active=True).select_related("user").order_by("user__username")
    )
    follow_ups = list(
        FollowUp.objects.for_event(event.pk)
        .select_related("attendee__exchange__owner__rep")
        .only(
            "assignee_id",
            "assignment_method",
            "status",
            "attendee__exchange_id",
            "attendee__exchange__headquarters_id",
            "attendee__exchange__owner__is_active",
            "attendee__exchange__owner__rep__is_service_account",
        )
    )
    exchange_ids = {f.attendee.exchange_id for f in follow_ups if f.attendee.exchange_id}
    # One query per rep, whatever the number of people: the visibility rule lives in one place.
    sees = {
        rep.user_id: set(Exchange.objects.visible_to(rep.user).filter(pk__in=exchange_ids).values_list("pk", flat=True))
        for rep in reps
    }
    territories = {rep.user_id: set(rep.territories.values_list("pk", flat=True)) for rep in reps}
    places: dict[int, set[int]] = defaultdict(set)
    for exchange_id, jurisdiction_id in Presence.objects.filter(exchange_id__in=exchange_ids).values_list(
        "exchange_id", "jurisdiction_id"
    ):
        places[exchange_id].add(jurisdiction_id)
    for follow_up in follow_ups:
        exchange = follow_up.attendee.exchange
        if exchange is not None and exchange.headquarters_id:
            places[exchange.pk].add(exchange.headquarters_id)

    def needs_assignee(follow_up: FollowUp) -> bool:
        if not follow_up.assignee_id:
            return True
        # An automatic assignment to a rep who cannot open the exchange (made before this rule) is redone.
        return (
            follow_up.assignment_method in AUTOMATIC_METHODS
            and follow_up.status == FollowUpStatus.TO_DO
            and follow_up.attendee.exchange_id not in sees.get(follow_up.assignee_id, set())
        )

    pending = [f for f in follow_ups if needs_assignee(f)]
    pending_ids = {f.pk for f in pending}
    load = Counter(f.assignee_id for f in follow_ups if f.assignee_id and f.pk not in pending_ids)
    turn = 0
    changed = []
    for follow_up in pending:  # best person first, so the best leads spread evenly
        exchange = follow_up.attendee.exchange
        owner = exchange.owner if exchange is not None else None
        if owner is not None and owner.is_active and _is_rep(owner):
            assignee_id, method = owner.pk, AssignmentMethod.TERRITORY  # the account's rep: see the report
        else:
            exchange_id = exchange.pk if exchange is not None else None
            covering = [r for r in reps if exchange_id and places.get(exchange_id, set()) & territories[r.user_id]]
            seeing = [r for r in reps if exchange_id in sees[r.user_id]]
            if covering:
                rep = min(covering, key=lambda r: (load[r.user_id], r.user.username))
                assignee_id, method = rep.user_id, AssignmentMethod.TERRITORY
            elif seeing:
                rep = seeing[turn % len(seeing)]
                turn += 1
                assignee_id, method = rep.user_id, AssignmentMethod.ROUND_ROBIN
            else:
                assignee_id, method = None, AssignmentMethod.UNASSIGNED
        if (follow_up.assignee_id, follow_up.assignment_method) == (assignee_id, method):
            continue
        follow_up.assignee_id, follow_up.assignment_method = assignee_id, method
        if assignee_id:
            load[assignee_id] += 1
        changed.append(follow_up)
    FollowUp.objects.bulk_update(changed, ["assignee", "assignment_method"])


def _is_rep(user) -> bool:
    """A person on the sales team (not an integration's service account)."""
    try:
        return not user.rep.is_service_account
    except Rep.DoesNotExist:
        return False


def follow_up_may_assign(*, user) -> bool:
    """Who hands follow-ups out (to anyone, in bulk or one at a time): a manager."""
    return is_manager(user)


def follow_up_may_change(*, follow_up: FollowUp, user) -> bool:
    """Who moves a follow-up's status: a manager, its assignee, or whoever may change its exchange (the
    account's owner). The pages and the API apply this same rule."""
    if not user.is_authenticated:
        return False
    if is_manager(user) or follow_up.assignee_id == user.pk:
        return True
    return may_change_exchange(user, follow_up.attendee.exchange_id)


def follow_ups_changeable(*, follow_ups: list[FollowUp], user) -> set[int]:
    """The ids of those follow-ups whose status the user may move (follow_up_may_change), in one query."""
    if not user.is_authenticated:
        return set()
    if is_manager(user):
        return {f.pk for f in follow_ups}
    editable = changeable_exchange_ids(user, (f.attendee.exchange_id for f in follow_ups))
    return {f.pk for f in follow_ups if f.assignee_id == user.pk or f.attendee.exchange_id in editable}


@transaction.atomic
def follow_up_assign(*, follow_up: FollowUp, assignee) -> FollowUp:
    """Give a follow-up to a rep by hand, and tell the subscribers of follow_up.assigned (in the
    same transaction, so the announcement exists exactly when the assignment does)."""
    follow_up.assignee = assignee
    follow_up.assignment_method = AssignmentMethod.MANUAL if assignee else AssignmentMethod.UNASSIGNED
    follow_up.save(update_fields=["assignee", "assignment_method", "updated_at"])
    if assignee is not None:
        attendee = follow_up.attendee
        webhook_event_record(
            event="follow_up.assigned",
            payload={
                "follow_up": follow_up.pk,
                "assignee": assignee.get_username(),
                "full_name": attendee.full_name,
                "exchange": attendee.exchange.slug if attendee.exchange_id else None,
                "due_at": follow_up.due_at.isoformat(),
            },
            exchange_id=attendee.exchange_id,
        )
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
    # The SLA: of the follow-ups whose due time has passed or that are done, how many were done in time.
    sla_counted: int = 0
    sla_met: int = 0

    @property
    def sla_hit_percent(self) -> int | None:
        return round(100 * self.sla_met / self.sla_counted) if self.sla_counted else None


@dataclass(frozen=True)
class FollowUpProgress:
    event_id: int | None
    total: int
    by_status: dict[str, int]
    overdue: int
    unassigned: int
    reps: list[RepProgress] = field(default_factory=list)
    sla_counted: int = 0
    sla_met: int = 0

    @property
    def sla_hit_percent(self) -> int | None:
        return round(100 * self.sla_met / self.sla_counted) if self.sla_counted else None


def _sla(items, now: datetime.datetime) -> tuple[int, int]:
    """(counted, met) over (status, first step's due_at, status_changed_at, is_overdue) rows: a follow-up
    counts once it is done or its first step's due time has passed; it is met when it left "to do" by then."""
    counted = met = 0
    for status, due_at, changed_at, _is_overdue in items:
        if status != FollowUpStatus.TO_DO:
            counted += 1
            met += changed_at is not None and changed_at <= due_at
        elif due_at < now:
            counted += 1
    return counted, met


def follow_ups_progress(
    *, event: Event | None = None, since: datetime.datetime | None = None, now: datetime.datetime | None = None
) -> FollowUpProgress:
    """A manager's view of follow-ups: counts by status, overdue and the SLA hit rate, per rep; of one
    event's follow-ups, or of all those due since `since` (e.g. the last 30 days)."""
    now = now or timezone.now()
    follow_ups = FollowUp.objects.all()
    if event is not None:
        follow_ups = follow_ups.filter(event=event)
    if since is not None:
        # By when its first step was due (what the SLA measures), not its later steps.
        follow_ups = follow_ups.annotate(sla_due_at=Coalesce("first_due_at", "due_at")).filter(sla_due_at__gte=since)
    rows = list(
        follow_ups.values_list("assignee_id", "status", "due_at", "first_due_at", "status_changed_at", "next_step")
    )
    statuses = dict.fromkeys(FollowUpStatus.values, 0)
    per_rep: dict[int | None, list[tuple]] = defaultdict(list)
    for assignee_id, status, due_at, first_due_at, changed_at, next_step in rows:
        # Overdue: the next step of its cadence is late (FollowUp.is_overdue). The SLA: its first step's due time.
        is_pending = status == FollowUpStatus.TO_DO or (status == FollowUpStatus.CONTACTED and next_step)
        is_overdue = bool(is_pending) and due_at < now
        statuses[status] += 1
        per_rep[assignee_id].append((status, first_due_at or due_at, changed_at, is_overdue))
    names = dict(get_user_model().objects.filter(pk__in=[k for k in per_rep if k]).values_list("pk", "username"))
    reps = []
    for assignee_id, items in sorted(per_rep.items(), key=lambda kv: names.get(kv[0], "")):
        if assignee_id is None:
            continue
        counts = dict.fromkeys(FollowUpStatus.values, 0)
        for status, *_rest in items:
            counts[status] += 1
        counted, met = _sla(items, now)
        reps.append(
            RepProgress(names[assignee_id], len(items), counts, sum(1 for *_rest, late in items if late), counted, met)
        )
    counted, met = _sla((item for items in per_rep.values() for item in items), now)
    return FollowUpProgress(
        event_id=event.pk if event is not None else None,
        total=len(rows),
        by_status=statuses,
        overdue=sum(1 for items in per_rep.values() for *_rest, late in items if late),
        unassigned=len(per_rep.get(None, [])),
        reps=reps,
        sla_counted=counted,
        sla_met=met,
    )
