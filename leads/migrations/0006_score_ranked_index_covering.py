"""On PostgreSQL the ranked list's index also carries the columns the list shows (grade, model
version, computed at), so walking it past the rows other filters reject reads no table pages: an
index-only scan. SQLite has no INCLUDE; the demo's index stays as 0005 made it."""

from django.db import migrations

PLAIN = "CREATE INDEX leads_score_ranked ON leads_score (is_defend, score DESC, exchange_id)"
COVERING = PLAIN + " INCLUDE (grade, model_version, computed_at)"


def recreate(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP INDEX leads_score_ranked")
        schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_score_ranked_index"),
    ]

    operations = [
        migrations.RunPython(recreate(COVERING), reverse_code=recreate(PLAIN)),
    ]
