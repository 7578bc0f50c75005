"""Load the GENERATED demo deal history (made-up accounts and opportunities), then train the win likelihood."""

from django.core.management.base import BaseCommand

from crm.demo import GENERATED_ACCOUNT_SLUG_PREFIX
from crm.models import Exchange
from leads.choices import ScoreCause
from leads.pipeline_demo import load_demo_pipeline
from leads.pipeline_model import NotEnoughHistory, ScikitLearnMissing, sklearn_available
from leads.pipeline_training import win_model_train
from leads.services import scores_rescore


class Command(BaseCommand):
    help = (
        "Create a GENERATED deal history on made-up accounts (labelled GENERATED everywhere) to try the "
        "pipeline board and the win likelihood. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=16)
        parser.add_argument("--no-train", action="store_true", help="Do not train the win likelihood afterwards.")

    def handle(self, *args, **options):
        self.stdout.write("Creating the GENERATED deal history (made-up accounts, not account facts)...")
        summary = load_demo_pipeline(seed=options["seed"])
        for line in summary.lines():
            self.stdout.write(f"  {line}")
        if summary.already_loaded:
            return
        made_up = list(
            Exchange.objects.filter(slug__startswith=GENERATED_ACCOUNT_SLUG_PREFIX).values_list("pk", flat=True)
        )
        scored = scores_rescore(exchange_ids=made_up, cause=ScoreCause.MANUAL)
        self.stdout.write(f"  made-up accounts scored: {scored.created} new, {scored.updated} changed")
        if options["no_train"]:
            return
        if not sklearn_available():
            self.stdout.write(
                "  win likelihood: scikit-learn is not installed (pip install 'exchange-intel[pipeline]')"
            )
            return
        try:
            model = win_model_train(progress=lambda line: self.stdout.write(f"  {line}"))
        except (NotEnoughHistory, ScikitLearnMissing) as refused:
            self.stdout.write(f"  win likelihood: {refused}")
            return
        metrics = model.metrics
        self.stdout.write(
            self.style.SUCCESS(
                f"Win likelihood v{model.version} (trained on GENERATED history): AUC {metrics['auc']}, "
                f"Brier {metrics['brier']}, top-decile lift {metrics['top_decile_lift']}"
            )
        )
