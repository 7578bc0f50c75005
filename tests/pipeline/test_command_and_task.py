"""train_win_model (progress and summary, refusal with the counts) and the weekly beat task."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from leads.models import WinModel
from leads.pipeline_demo import load_demo_pipeline
from leads.tasks import train_win_model_task

pytestmark = pytest.mark.django_db


def test_the_command_reports_progress_and_a_summary():
    load_demo_pipeline(seed=16)
    out = io.StringIO()

    call_command("train_win_model", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "  Reading the features of 261 closed opportunities as of their opening..."
    assert lines[1] == "  Training on the oldest 209, testing on the newest 52..."
    assert lines[-2] == "  Version 1: 39 open opportunities predicted."
    assert lines[-1].startswith("Win likelihood v1 in ")
    assert lines[-1].endswith(
        "trained on 209, tested on the newest 52 (25 won, 27 lost, from 2025-07-17): AUC 0.8341, Brier 0.172, "
        "top-decile lift 2.08 (history includes GENERATED opportunities)"
    )


def test_the_command_refuses_without_history_naming_the_counts():
    with pytest.raises(CommandError) as refused:
        call_command("train_win_model", stdout=io.StringIO())

    assert str(refused.value).startswith("Not enough history yet: 0 closed opportunities (0 won, 0 lost)")
    assert WinModel.objects.count() == 0


def test_the_weekly_task_is_on_beat_and_trains_or_says_why_not():
    assert settings.CELERY_BEAT_SCHEDULE["leads-train-win-model-weekly"] == {
        "task": "leads.train_win_model",
        "schedule": 7 * 24 * 60 * 60.0,
    }
    assert train_win_model_task.run()["trained"] is False
    load_demo_pipeline(seed=16)
    result = train_win_model_task.run()
    assert (result["trained"], result["version"], result["metrics"]["auc"]) == (True, 1, 0.8341)
