"""Cadences: an event's follow-up plan by grade (which step comes next, and when it is due), and the
check of a plan a manager types. Facts in, answers out: the callers load the event and the grade."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.choices import ActivityKind
from leads.choices import Grade

# A step is one touch: a call, an email or a meeting, or the nurture track (an email within a longer
# time, counted done by an email or a note).
STEP_KINDS = ("call", "email", "meeting", "nurture")
# Which logged activity does each step's work.
STEP_DONE_BY = {
    "call": frozenset({ActivityKind.CALL}),
    "email": frozenset({ActivityKind.EMAIL}),
    "meeting": frozenset({ActivityKind.MEETING}),
    "nurture": frozenset({ActivityKind.EMAIL, ActivityKind.NOTE}),
}
STEP_KIND_LABELS = {
    "call": gettext_lazy("Call"),
    "email": gettext_lazy("Email"),
    "meeting": gettext_lazy("Meeting"),
    "nurture": gettext_lazy("Nurture"),
}
MAX_STEPS = 4
# Ninety days: a step later than that is no follow-up of this event.
MAX_STEP_HOURS = 90 * 24
# The plan of a person whose exchange has no grade yet: one email within the event's SLA.
UNGRADED = ""


@dataclass(frozen=True)
class Step:
    """One step of a plan: its kind and when it is due, in hours after the event ends (None: the event's
    follow-up SLA)."""

    kind: str
    hours: int | None = None

    def due_at(self, *, ends_at: datetime.datetime, sla_hours: int) -> datetime.datetime:
        return ends_at + datetime.timedelta(hours=self.sla_or_hours(sla_hours))

    def sla_or_hours(self, sla_hours: int) -> int:
        return sla_hours if self.hours is None else self.hours

    def to_json(self) -> dict:
        return {"kind": self.kind, "hours": self.hours}


# The plan an event follows until a manager changes it: A, a call within 24 h then an email on day 3;
# B, an email within the SLA (48 h by default); C and D, the nurture track within 14 days.
DEFAULT_PLAN: dict[str, tuple[Step, ...]] = {
    Grade.A: (Step("call", 24), Step("email", 72)),
    Grade.B: (Step("email", None),),
    Grade.C: (Step("nurture", 14 * 24),),
    Grade.D: (Step("nurture", 14 * 24),),
}
UNGRADED_PLAN: tuple[Step, ...] = (Step("email", None),)


class CadenceError(ValueError):
    """A plan that cannot be saved; `errors` maps "A.2.hours" (grade, step number, field) to the message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def plan_steps(plan: Mapping[str, tuple[Step, ...]], grade: str) -> tuple[Step, ...]:
    """The steps a person of this grade follows (the ungraded plan when the grade has none)."""
    return plan.get(grade) or UNGRADED_PLAN


def plan_to_json(plan: Mapping[str, tuple[Step, ...]]) -> dict[str, list[dict]]:
    return {grade: [step.to_json() for step in plan.get(grade, ())] for grade in Grade.values}


def plan_from_json(data: object) -> dict[str, tuple[Step, ...]]:
    """Check a plan ({"A": [{"kind": "call", "hours": 24}, ...], ...}) and return it; every grade A-D
    has one to four steps, each a known kind, due in whole hours after the event ends, later than the
    step before. Raises CadenceError naming the grade, the step and the field of every problem."""
    errors: dict[str, str] = {}
    if not isinstance(data, Mapping):
        raise CadenceError({"plan": _("The plan is an object with one list of steps per grade (A, B, C, D).")})
    unknown = sorted(str(key) for key in data if key not in Grade.values)
    if unknown:
        errors["plan"] = _("Unknown grades: %(grades)s. The grades are A, B, C and D.") % {"grades": ", ".join(unknown)}
    plan: dict[str, tuple[Step, ...]] = {}
    for grade in Grade.values:
        raw = data.get(grade)
        if not isinstance(raw, list) or not raw:
            errors[f"{grade}"] = _("Grade %(grade)s: give at least one step.") % {"grade": grade}
            continue
        if len(raw) > MAX_STEPS:
            errors[f"{grade}"] = _("Grade %(grade)s: at most %(count)s steps.") % {"grade": grade, "count": MAX_STEPS}
            continue
        steps: list[Step] = []
        previous_hours: int | None = None
        for number, item in enumerate(raw, start=1):
            where = {"grade": grade, "step": number}
            if not isinstance(item, Mapping):
                errors[f"{grade}.{number}"] = _("Grade %(grade)s, step %(step)s: give a kind and hours.") % where
                continue
            kind = item.get("kind")
            if kind not in STEP_KINDS:
                errors[f"{grade}.{number}.kind"] = _(
                    "Grade %(grade)s, step %(step)s, kind: %(value)s is not one of call, email, meeting, nurture."
                ) % {**where, "value": repr(kind)}
            hours = item.get("hours")
            if hours in (None, "") and number == 1:
                hours = None
            elif isinstance(hours, bool) or not _is_whole(hours):
                errors[f"{grade}.{number}.hours"] = (
                    _("Grade %(grade)s, step %(step)s, hours: give a whole number of hours after the event ends.")
                    % where
                )
                continue
            else:
                hours = int(hours)
                if not 1 <= hours <= MAX_STEP_HOURS:
                    errors[f"{grade}.{number}.hours"] = _(
                        "Grade %(grade)s, step %(step)s, hours: %(value)s is not between 1 and %(max)s."
                    ) % {**where, "value": hours, "max": MAX_STEP_HOURS}
                    continue
                if previous_hours is not None and hours <= previous_hours:
                    errors[f"{grade}.{number}.hours"] = _(
                        "Grade %(grade)s, step %(step)s, hours: %(value)s h is not after step %(previous)s "
                        "(%(previous_hours)s h)."
                    ) % {**where, "value": hours, "previous": number - 1, "previous_hours": previous_hours}
                    continue
            if kind in STEP_KINDS:
                steps.append(Step(kind, hours))
            previous_hours = hours if hours is not None else previous_hours
        plan[grade] = tuple(steps)
    if errors:
        raise CadenceError(errors)
    return plan


def _is_whole(value: object) -> bool:
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, str):
        return value.strip().isdigit()
    return False


@dataclass(frozen=True)
class Schedule:
    """Where a follow-up stands in its plan: the next step (None once every step is done) and when it is
    due, and when its first step was due (what the SLA hit rate measures)."""

    step_index: int
    next_step: Step | None
    due_at: datetime.datetime
    first_due_at: datetime.datetime


def schedule(steps: tuple[Step, ...], *, step_index: int, ends_at: datetime.datetime, sla_hours: int) -> Schedule:
    """The schedule of a follow-up that has done `step_index` steps of these (the one computation of due
    times: the list's build, an edit of the event or of its cadence, and logging a step all call it).
    Once every step is done it stays due at its last step's time."""
    steps = steps or UNGRADED_PLAN
    index = max(0, min(step_index, len(steps)))
    # A first step without hours is due at the SLA; a later one never before the step ahead of it.
    dues: list[datetime.datetime] = []
    for step in steps:
        due = step.due_at(ends_at=ends_at, sla_hours=sla_hours)
        dues.append(max(due, dues[-1]) if dues else due)
    next_step = steps[index] if index < len(steps) else None
    return Schedule(index, next_step, dues[min(index, len(steps) - 1)], dues[0])


def step_done_by(step: Step | None, activity_kind: str) -> bool:
    """Whether logging an activity of this kind does the step's work."""
    return step is not None and activity_kind in STEP_DONE_BY[step.kind]
