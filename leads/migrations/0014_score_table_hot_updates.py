"""The score table kept for the updates rescoring makes (PostgreSQL; SQLite keeps 0005's index).

- score_list (is_defend, score DESC) goes: leads_score_ranked (is_defend, score DESC, exchange_id)
  serves every query it served, and each index is one more entry to write per non-HOT update.
- leads_score_ranked no longer carries grade, model version and computed at (0006): computed at
  changes on every write, so no update of a score could be HOT (a heap-only tuple, no index entries
  written) while the index held it. The list reads those three from the row (one heap page per row
  of its page).
- fillfactor 70: room on each page for new versions of its rows, so the updates that leave the
  score as it was (factors, flags, fingerprints, the moment) stay on their page as HOT updates.
  Pages written from now on keep the room; a table rewritten (VACUUM FULL, CLUSTER) gets it at once."""

from django.db import migrations

RANKED = "CREATE INDEX leads_score_ranked ON leads_score (is_defend, score DESC, exchange_id)"
COVERING = RANKED + " INCLUDE (grade, model_version, computed_at)"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX leads_score_ranked")
    schema_editor.execute(RANKED)
    schema_editor.execute("ALTER TABLE leads_score SET (fillfactor = 70)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE leads_score RESET (fillfactor)")
    schema_editor.execute("DROP INDEX leads_score_ranked")
    schema_editor.execute(COVERING)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0013_win_likelihood_models"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="score", name="score_list"),
        migrations.RunPython(forwards, backwards),
    ]
