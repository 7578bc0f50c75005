"""Each follow-up says whether its person is tied to an exchange, so that the rule "every matched
person's, and mine" (one who sees every exchange) reads no attendee, and a manager's Today folds the
overdue per event from the pending index alone (which now includes it)."""

from django.db import migrations, models
from django.db.models import Q

# leads.models.followups.STEPS_PENDING as it stands (a migration keeps its own copy).
STEPS_PENDING = Q(status="to_do") | (Q(status="contacted") & ~Q(next_step=""))


def fill_has_exchange(apps, schema_editor):
    """The follow-ups of people not tied to an exchange (a worked follow-up is kept when its person is
    untied) say so; every other keeps the default (one UPDATE)."""
    FollowUp = apps.get_model("leads", "FollowUp")
    FollowUp.objects.using(schema_editor.connection.alias).filter(attendee__exchange__isnull=True).update(
        has_exchange=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("intel", "0011_attendee_event_and_exchange_index"),
        ("leads", "0017_follow_up_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="has_exchange",
            field=models.BooleanField(
                default=True, help_text="Whether the person is tied to an exchange (their attendee's, kept in line)."
            ),
        ),
        migrations.RunPython(fill_has_exchange, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="followup", name="follow_up_pending_due"),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(
                condition=STEPS_PENDING,
                fields=["due_at"],
                include=("attendee", "assignee", "event", "has_exchange"),
                name="follow_up_pending_due",
            ),
        ),
    ]
