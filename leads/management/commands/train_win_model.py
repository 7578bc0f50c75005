"""Train a new version of the win likelihood on the closed opportunities, with progress and a summary."""

import time

from django.core.management.base import BaseCommand, CommandError

from leads.pipeline_model import NotEnoughHistory, ScikitLearnMissing
from leads.pipeline_training import win_model_train


class Command(BaseCommand):
    help = (
        "Train a new win-likelihood version (features as of each opportunity's opening, the newest fifth held "
        "out), store its metrics and predict the open opportunities. Older versions' predictions are kept."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            model = win_model_train(progress=lambda line: self.stdout.write(f"  {line}"))
        except (NotEnoughHistory, ScikitLearnMissing) as refused:
            raise CommandError(str(refused)) from refused
        m = model.metrics
        self.stdout.write(
            self.style.SUCCESS(
                f"Win likelihood v{model.version} in {time.monotonic() - started:.1f} s: "
                f"trained on {m['train_count']:,}, "
                f"tested on the newest {m['test_count']:,} ({m['test_won']} won, {m['test_lost']} lost, from "
                f"{m['test_from']}): AUC {m['auc']}, Brier {m['brier']}, top-decile lift {m['top_decile_lift']}"
                + (" (history includes GENERATED opportunities)" if model.trained_on_generated else "")
            )
        )
