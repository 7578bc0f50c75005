"""Cadences of follow-ups: an event's plan by grade, the due time of each follow-up's next step, and
the advance of a step when its activity is logged. leads.cadences.schedule computes every due time;
these functions load the facts, call it and save."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.choices import ActivityKind
from crm.models import Activity
from intel.models import Event
from leads.cadences import DEFAULT_PLAN, CadenceError, Step, plan_from_json, plan_steps, schedule, step_done_by
from leads.choices import FollowUpStatus
from leads.models import Cadence, FollowUp, Score

SCHEDULE_FIELDS = ["due_at", "first_due_at", "cadence_grade", "step_index", "next_step"]
# The activities that reach the person: any of them makes a follow-up still "to do" contacted.
OUTREACH = frozenset({ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING})


def event_plan(event: Event) -> dict[str, tuple[Step, ...]]:
    """The plan the event's follow-ups follow: the one a manager saved, else the default."""
    cadence = Cadence.objects.filter(event=event).first()
    if cadence is None:
        return dict(DEFAULT_PLAN)
    return plan_from_json(cadence.steps)


def follow_up_schedule_apply(
    follow_up: FollowUp, *, event: Event, plan: Mapping[str, tuple[Step, ...]], grade: str
) -> bool:
    """Set the follow-up's next step and due times from the plan of its grade and the event's end and
    SLA, keeping the steps already done. Returns whether anything changed (the caller saves)."""
    steps = plan_steps(plan, grade)
    result = schedule(
        steps, step_index=follow_up.step_index, ends_at=event.ends_at, sla_hours=event.follow_up_sla_hours
    )
    values = {
        "due_at": result.due_at,
        "first_due_at": result.first_due_at,
        "cadence_grade": grade,
        "step_index": result.step_index,
        "next_step": result.next_step.kind if result.next_step else "",
    }
    changed = any(getattr(follow_up, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(follow_up, name, value)
    return changed


def exchange_grades(exchange_ids) -> dict[int, str]:
    return dict(Score.objects.filter(exchange_id__in=list(exchange_ids)).values_list("exchange_id", "grade"))


@transaction.atomic
def follow_ups_reschedule(*, event: Event) -> int:
    """Move the event's follow-ups to the due times its dates, time zone, SLA and cadence give now (after
    an edit of the event or of its cadence), each keeping the steps it has done. Returns how many moved."""
    plan = event_plan(event)
    follow_ups = list(FollowUp.objects.filter(event=event).select_related("attendee"))
    grades = exchange_grades({f.attendee.exchange_id for f in follow_ups if f.attendee.exchange_id})
    moved = [
        f
        for f in follow_ups
        if follow_up_schedule_apply(f, event=event, plan=plan, grade=grades.get(f.attendee.exchange_id, ""))
    ]
    now = timezone.now()
    for follow_up in moved:
        follow_up.updated_at = now
    FollowUp.objects.bulk_update(moved, [*SCHEDULE_FIELDS, "updated_at"], batch_size=1000)
    return len(moved)


def cadence_may_change(*, user) -> bool:
    """Who sets an event's cadence: a manager (crm.access)."""
    from crm.access import is_manager

    return is_manager(user)


@transaction.atomic
def cadence_save(*, event: Event, steps: object, user) -> tuple[Cadence, int]:
    """Check and save the event's cadence, and move its follow-ups to the due times it gives. Raises
    ValidationError naming the grade, step and field of each problem, having saved nothing. Returns
    the cadence and how many follow-ups moved."""
    try:
        plan = plan_from_json(steps)
    except CadenceError as error:
        raise ValidationError(error.errors) from error
    cadence, _created = Cadence.objects.update_or_create(
        event=event,
        defaults={"steps": {grade: [s.to_json() for s in plan[grade]] for grade in plan}, "updated_by": user},
    )
    return cadence, follow_ups_reschedule(event=event)


@transaction.atomic
def follow_ups_step_log(*, activity: Activity, now: datetime.datetime | None = None) -> list[FollowUp]:
    """After an activity is logged: the follow-ups at its exchange held by its rep (or of the person it
    was with) whose next step that activity does move on to their following step, due per their
    cadence; a follow-up still "to do" becomes "contacted" at the activity's time, also when a call,
    email or meeting was not its step (the step then stays due). Returns those whose step moved.

    Idempotent: an activity does a follow-up's step once, so the exchange page (at once) and the
    evidence outbox (for every other way in: the API, the admin) may both call it."""
    now = now or timezone.now()
    who = Q(assignee_id=activity.rep_id) if activity.rep_id else Q(pk__in=[])
    if activity.contact_id:
        who |= Q(attendee__contact_id=activity.contact_id)
    candidates = list(
        FollowUp.objects.filter(attendee__exchange_id=activity.exchange_id)
        .steps_pending()
        .filter(who)
        .select_related("attendee__event")
        .select_for_update(of=("self",))
    )
    plans: dict[int, dict[str, tuple[Step, ...]]] = {}
    moved = []
    for follow_up in candidates:
        if follow_up.step_activity_id is not None and follow_up.step_activity_id >= activity.pk:
            continue  # this activity (or a later one) did its step already: the page, then the outbox
        event = follow_up.attendee.event
        if event.pk not in plans:
            plans[event.pk] = event_plan(event)
        steps = plan_steps(plans[event.pk], follow_up.cadence_grade)
        current = steps[follow_up.step_index] if follow_up.step_index < len(steps) else None
        if not step_done_by(current, activity.kind):
            # Reaching the person is contact whatever the plan said to do first; the step stays due.
            if follow_up.status == FollowUpStatus.TO_DO and activity.kind in OUTREACH:
                _contacted(follow_up, activity, now)
                follow_up.save(update_fields=["status", "status_changed_by", "status_changed_at", "updated_at"])
            continue
        follow_up.step_index += 1
        follow_up_schedule_apply(follow_up, event=event, plan=plans[event.pk], grade=follow_up.cadence_grade)
        follow_up.step_done_at, follow_up.step_activity_id = activity.occurred_at, activity.pk
        fields = [*SCHEDULE_FIELDS, "step_done_at", "step_activity_id", "updated_at"]
        if follow_up.status == FollowUpStatus.TO_DO:
            _contacted(follow_up, activity, now)
            fields += ["status", "status_changed_by", "status_changed_at"]
        follow_up.save(update_fields=fields)
        moved.append(follow_up)
    return moved


def _contacted(follow_up: FollowUp, activity: Activity, now: datetime.datetime) -> None:
    follow_up.status = FollowUpStatus.CONTACTED
    follow_up.status_changed_by_id = activity.rep_id
    follow_up.status_changed_at = min(activity.occurred_at, now)


def follow_ups_steps_from_references(*, references) -> int:
    """The cadence steps done by the activities among these evidence references ("activity:<id>"), in
    the order they were logged; the evidence consumer calls it. Returns how many follow-ups moved."""
    ids = sorted({int(ref.split(":", 1)[1]) for ref in references if ref.startswith("activity:") and ref[9:].isdigit()})
    moved = 0
    for activity in Activity.objects.filter(pk__in=ids).order_by("pk"):
        moved += len(follow_ups_step_log(activity=activity))
    return moved
