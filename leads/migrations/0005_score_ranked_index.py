"""The ranked prospect list's index: (is_defend, score DESC, exchange_id) is the list's filter and its
whole order, so a page is read straight from the index and the scan stops at the page's last row
(score_list lacks the tie-break, which made PostgreSQL read and sort every row of the last score).

Hand-written SQL, valid on PostgreSQL and SQLite, kept out of the model's Meta on purpose."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0004_score_fingerprint"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX leads_score_ranked ON leads_score (is_defend, score DESC, exchange_id)",
            reverse_sql="DROP INDEX leads_score_ranked",
        ),
    ]
