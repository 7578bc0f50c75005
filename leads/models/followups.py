"""Follow-ups: the people met at an event, ranked, assigned to reps and tracked to an outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from crm.models import Exchange
from intel.models import Attendee
from leads.choices import AssignmentMethod, FollowUpStatus


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user) -> "FollowUpQuerySet":
        """Follow-ups a user may see: those of visible exchanges, plus those assigned to them
        (an unmatched person has no exchange yet, and is seen by the rep who holds them)."""
        if user is None or not user.is_authenticated:
            return self.none()
        visible = Exchange.objects.visible_to(user).values("pk")
        return self.filter(Q(attendee__exchange__in=visible) | Q(assignee=user))

    def for_event(self, event_id: int) -> "FollowUpQuerySet":
        return self.filter(attendee__event_id=event_id).order_by("-person_score", "attendee__full_name")

    def overdue(self, *, now) -> "FollowUpQuerySet":
        return self.filter(status=FollowUpStatus.TO_DO, due_at__lt=now)


class FollowUp(models.Model):
    """The follow-up of one person met at an event: who has it, its status, and when it is due."""

    attendee = models.OneToOneField(Attendee, on_delete=models.CASCADE, related_name="follow_up")
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
    due_at = models.DateTimeField(help_text="The event's end plus its follow-up SLA.")
    person_score = models.PositiveSmallIntegerField(default=0)
    person_factors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-person_score", "attendee__full_name"]
        indexes = [models.Index(fields=["assignee", "status"], name="follow_up_by_assignee")]

    def __str__(self) -> str:
        return f"{self.attendee.full_name}: {self.get_status_display()}"

    def is_overdue(self, now) -> bool:
        return self.status == FollowUpStatus.TO_DO and self.due_at < now
