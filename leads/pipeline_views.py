"""The pipeline pages: the board by stage, the forecast by month, win rates (by rival, jurisdiction and
size tier) and, for managers, the win-likelihood model with its versions, metrics and a train button.
Every figure comes from leads.pipeline_reports / leads.pipeline_training, scoped by crm.access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.access import ensure_manager, is_manager
from leads.models import Opportunity, WinModel
from leads.pipeline_model import MIN_CLOSED, MIN_LOST, MIN_WON, NotEnoughHistory, ScikitLearnMissing, sklearn_available
from leads.pipeline_reports import pipeline_board, pipeline_forecast, pipeline_win_rates
from leads.pipeline_training import win_history_counts, win_model_current, win_model_train

HISTORY_CHOICES = {"all": None, "real": False, "generated": True}


def _history(request) -> tuple[str, bool | None]:
    key = request.GET.get("history", "all")
    if key not in HISTORY_CHOICES:
        key = "all"
    return key, HISTORY_CHOICES[key]


def _common(request, page: str) -> dict:
    key, _generated = _history(request)
    visible = Opportunity.objects.visible_to(request.user)
    return {
        "section": "pipeline",
        "page": page,
        "history": key,
        "has_any": visible.exists(),
        "has_generated": visible.filter(is_generated=True).exists(),
        "is_manager": is_manager(request.user),
    }


@login_required
def board(request):
    _key, generated = _history(request)
    context = _common(request, "board")
    context["columns"] = pipeline_board(request.user, now=timezone.now(), generated=generated)
    return render(request, "leads/pipeline_board.html", context)


@login_required
def forecast(request):
    _key, generated = _history(request)
    context = _common(request, "forecast")
    context["months"] = pipeline_forecast(request.user, generated=generated)
    return render(request, "leads/pipeline_forecast.html", context)


@login_required
def win_rates(request):
    _key, generated = _history(request)
    context = _common(request, "win_rates")
    rates = pipeline_win_rates(request.user, generated=generated)
    context["tables"] = [
        ("rival", _("By rival"), rates["rival"]),
        ("jurisdiction", _("By jurisdiction (headquarters)"), rates["jurisdiction"]),
        ("size_tier", _("By size tier"), rates["size_tier"]),
    ]
    return render(request, "leads/pipeline_win_rates.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def win_model(request):
    """Managers: the win-likelihood versions with their metrics, the history counts, and Train now."""
    ensure_manager(request.user, _("Only a manager sees and trains the win-likelihood model."))
    if request.method == "POST":
        try:
            model = win_model_train(user=request.user)
        except (NotEnoughHistory, ScikitLearnMissing) as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Version %(version)s trained: AUC %(auc)s on the newest %(count)s closed opportunities.")
                % {"version": model.version, "auc": model.metrics["auc"], "count": model.metrics["test_count"]},
            )
        return redirect("leads:pipeline_model")
    context = _common(request, "model")
    context.update(
        {
            "counts": win_history_counts(),
            "current": win_model_current(),
            "versions": WinModel.objects.order_by("-version")[:20],
            "sklearn": sklearn_available(),
            "min_closed": MIN_CLOSED,
            "min_won": MIN_WON,
            "min_lost": MIN_LOST,
        }
    )
    return render(request, "leads/pipeline_model.html", context)
