"""Follow-ups: the people met at an event, ranked, assigned to reps and tracked to an outcome."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from crm.models.exchanges import visibility_condition
from intel.models import Attendee, Event
from leads.choices import AssignmentMethod, FollowUpStatus

# A follow-up whose cadence still runs: not yet contacted, or contacted with a later step to come.
OPEN_STATUSES = (FollowUpStatus.TO_DO, FollowUpStatus.CONTACTED)
STEPS_PENDING = Q(status=FollowUpStatus.TO_DO) | (Q(status=FollowUpStatus.CONTACTED) & ~Q(next_step=""))


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user) -> "FollowUpQuerySet":
        """Follow-ups a user may see: those of visible exchanges, plus those assigned to them
        (an unmatched person has no exchange yet, and is seen by the rep who holds them)."""
        # The rule (crm.access) as a condition on the person's own join to their exchange, not a
        # semi-join on every visible exchange: the planner charged that semi-join to each row it would
        # look up, and so scanned every attendee to count a few hundred follow-ups, or started
        # parallel workers to walk a page. One who sees every exchange sees every matched person's.
        condition = visibility_condition(user, through="attendee__exchange")
        if condition is None:
            return self.none()
        return self.filter((condition or Q(has_exchange=True)) | Q(assignee=user))

    def for_event(self, event_id: int) -> "FollowUpQuerySet":
        """An event's follow-ups, best person first: found by their own event column (an index), not
        by a join of the event's attendees to every follow-up."""
        return self.filter(event_id=event_id).order_by("-person_score", "attendee__full_name")

    def overdue(self, *, now) -> "FollowUpQuerySet":
        return self.steps_pending().filter(due_at__lt=now)

    def steps_pending(self) -> "FollowUpQuerySet":
        """Follow-ups with work left: still to do, or contacted with a later step of their cadence to come."""
        return self.filter(STEPS_PENDING)


class FollowUp(models.Model):
    """The follow-up of one person met at an event: who has it, its status, and when it is due."""

    attendee = models.OneToOneField(Attendee, on_delete=models.CASCADE, related_name="follow_up")
    # The attendee's event, kept on the row so an event's board reads its follow-ups by index
    # (follow_up_board, which leads with it) and Today folds the overdue per event from the pending
    # indexes. An attendee never changes event: the import keys people by it, the admin shows it read-only.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="follow_ups", db_index=False)
    # Whether the person is tied to an exchange, kept on the row so that the rule "every matched
    # person's, and mine" (visible_to, for one who sees every exchange) reads no attendee: a manager's
    # Today folds tens of thousands of overdue follow-ups from the pending index alone. Set when the
    # follow-up is made (save, and the list's build); a person's exchange changes through an import or
    # a review decision, after which the list's update (follow_ups_match_people) brings it in line. An
    # exchange deleted in the admin unties its people without telling leads: their follow-ups keep
    # True until the event's list is next updated (a manager may see them meanwhile, no rep does).
    has_exchange = models.BooleanField(
        default=True, help_text="Whether the person is tied to an exchange (their attendee's, kept in line)."
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    assignment_method = models.CharField(
        max_length=20, choices=AssignmentMethod.choices, default=AssignmentMethod.UNASSIGNED
    )
    status = models.CharField(max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.TO_DO)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(help_text="When the next step of its cadence is due (leads.cadences.schedule).")
    first_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When its cadence's first step was due: what the SLA hit rate measures."
    )
    cadence_grade = models.CharField(
        max_length=1, blank=True, help_text="The exchange's grade that chose the cadence (blank: not graded)."
    )
    step_index = models.PositiveSmallIntegerField(default=0, help_text="How many steps of its cadence are done.")
    next_step = models.CharField(
        max_length=10, blank=True, help_text="The kind of the next step (call, email, ...); blank once all are done."
    )
    step_done_at = models.DateTimeField(null=True, blank=True, help_text="When its last step was logged.")
    step_activity_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The activity that did its last step: each activity does a step once."
    )
    person_score = models.PositiveSmallIntegerField(default=0)
    person_factors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-person_score", "attendee__full_name"]
        indexes = [
            models.Index(fields=["assignee", "status"], name="follow_up_by_assignee"),
            # Today's counts and lists: the follow-ups with a step pending, by when they are due (the
            # team's), and by assignee then due (a rep's). Partial: done ones are most rows over the years.
            # With the event and whether the person has an exchange, a manager's fold of the overdue
            # per event reads them from the index alone.
            models.Index(
                fields=["due_at"],
                include=["attendee", "assignee", "event", "has_exchange"],
                condition=STEPS_PENDING,
                name="follow_up_pending_due",
            ),
            models.Index(
                fields=["assignee", "due_at"],
                include=["event"],
                condition=STEPS_PENDING,
                name="follow_up_pending_mine",
            ),
            # An event's board, best person first: its page walks one event's rows in order.
            models.Index(fields=["event", "-person_score"], name="follow_up_board"),
            # The API list's default order, walked a page at a time.
            models.Index(F("person_score").desc(), "id", name="follow_up_by_person_score"),
        ]

    def __str__(self) -> str:
        return f"{self.attendee.full_name}: {self.get_status_display()}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.has_exchange = self.attendee.exchange_id is not None
        super().save(*args, **kwargs)

    @property
    def is_step_pending(self) -> bool:
        return self.status == FollowUpStatus.TO_DO or (self.status == FollowUpStatus.CONTACTED and bool(self.next_step))

    def is_overdue(self, now) -> bool:
        return self.is_step_pending and self.due_at < now

    @property
    def sla_due_at(self):
        return self.first_due_at or self.due_at

    @property
    def next_step_label(self) -> str:
        from leads.cadences import STEP_KIND_LABELS

        return str(STEP_KIND_LABELS.get(self.next_step, "")) if self.next_step else ""


class Cadence(models.Model):
    """An event's follow-up plan by grade, as a manager set it (leads.cadences checks and reads it);
    an event without one follows leads.cadences.DEFAULT_PLAN."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="cadence")
    steps = models.JSONField(help_text='{"A": [{"kind": "call", "hours": 24}, ...], "B": [...], ...}')
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cadence of {self.event}"
