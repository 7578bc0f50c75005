"""The verdict's part of an account merge (registered with crm.merging in LeadsConfig.ready()): the
source's score history joins the target's and its current score goes; the merge then rescores the
target from everything it now holds."""

from crm.merging import MergeContext
from leads.models import Opportunity, Score, ScoreChange


def exchange_merge_move_scores(context: MergeContext) -> dict[str, int]:
    history = ScoreChange.objects.filter(exchange=context.source).update(exchange=context.target)
    deleted, _ = Score.objects.filter(exchange=context.source).delete()
    return {"score_changes": history, "scores_deleted": deleted}


def exchange_merge_move_opportunities(context: MergeContext) -> dict[str, int]:
    """The source's opportunities (and so their stage history and predictions) go to the target."""
    moved = Opportunity.objects.filter(exchange=context.source).update(exchange=context.target)
    return {"opportunities": moved}
