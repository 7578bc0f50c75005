"""Each follow-up carries its attendee's event, so an event's board and Today's fold per event read the
follow-ups by their own indexes instead of joining the event's attendees to every follow-up: the board
by event then person score, Today's pending ones with the event included (read from the index alone)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery

# leads.models.followups.STEPS_PENDING as it stood (a migration keeps its own copy).
STEPS_PENDING = Q(status="to_do") | (Q(status="contacted") & ~Q(next_step=""))


def fill_event(apps, schema_editor):
    """Existing follow-ups take their attendee's event (one UPDATE, whatever the number of rows)."""
    FollowUp = apps.get_model("leads", "FollowUp")
    Attendee = apps.get_model("intel", "Attendee")
    FollowUp.objects.using(schema_editor.connection.alias).update(
        event_id=Subquery(Attendee.objects.filter(pk=OuterRef("attendee_id")).values("event_id")[:1])
    )
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now: PostgreSQL refuses to alter a table with checks still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("intel", "0011_attendee_event_and_exchange_index"),
        ("leads", "0016_win_prediction_one_index_for_the_opportunity"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="event",
            field=models.ForeignKey(
                null=True,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="follow_ups",
                to="intel.event",
            ),
        ),
        migrations.RunPython(fill_event, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="followup",
            name="event",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="follow_ups",
                to="intel.event",
            ),
        ),
        migrations.RemoveIndex(model_name="followup", name="follow_up_pending_due"),
        migrations.RemoveIndex(model_name="followup", name="follow_up_pending_mine"),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(
                condition=STEPS_PENDING,
                fields=["due_at"],
                include=("attendee", "assignee", "event"),
                name="follow_up_pending_due",
            ),
        ),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(
                condition=STEPS_PENDING,
                fields=["assignee", "due_at"],
                include=("event",),
                name="follow_up_pending_mine",
            ),
        ),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(fields=["event", "-person_score"], name="follow_up_board"),
        ),
    ]
