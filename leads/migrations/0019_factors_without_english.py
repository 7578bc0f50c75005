"""Stored factors keep their message id and parameters, not their English beside them: the sentence is
rendered when shown (leads.sentences), and the English was a seventh of the bytes each rescore wrote.

The current scores and follow-ups lose the English of every factor that has a message id: its
`sentence` becomes empty, as the scoring now writes it (a factor without a message id keeps its
sentence: it is all it has). A score's factors hash is cleared, so the next
rescore compares the factors themselves, finds them equal and stores the new hash without a history
row. The history is left as it was: its rows read the same either way."""

from django.db import migrations, models

BATCH = 2000


def without_english(factors):
    """The factors with the English emptied in each one that has a message id; None if none had it."""
    if not isinstance(factors, list):
        return None
    changed = False
    kept = []
    for factor in factors:
        if isinstance(factor, dict) and factor.get("message") and factor.get("sentence"):
            factor = {**factor, "sentence": ""}
            changed = True
        kept.append(factor)
    return kept if changed else None


def _strip(model, column, extra=None):
    extra = extra or {}
    rows = model.objects.order_by("pk").values_list("pk", column)
    pending = []
    for pk, factors in rows.iterator(chunk_size=BATCH):
        stripped = without_english(factors)
        if stripped is not None:
            pending.append(model(pk=pk, **{column: stripped}, **extra))
        if len(pending) >= BATCH:
            model.objects.bulk_update(pending, [column, *extra])
            pending = []
    if pending:
        model.objects.bulk_update(pending, [column, *extra])


def forwards(apps, schema_editor):
    _strip(apps.get_model("leads", "Score"), "factors", {"factors_hash": ""})
    _strip(apps.get_model("leads", "FollowUp"), "person_factors")


class Migration(migrations.Migration):
    dependencies = [("leads", "0018_follow_up_has_exchange")]

    operations = [
        migrations.AlterField(
            model_name="score",
            name="factors",
            field=models.JSONField(
                default=list,
                help_text="[{code, points, sentence, references, message, params}] in order; the sentence is "
                "rendered from the message and params when shown (empty beside a message).",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
