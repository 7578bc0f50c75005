"""The pipeline in the admin: opportunities with their stage history, the win-likelihood model versions
and their predictions, read-only, staff only, scoped like the pages."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leads.admin import WinModelAdmin
from leads.choices import OpportunityStage
from leads.models import Opportunity, WinModel, WinPrediction
from leads.services.opportunities import opportunity_create, opportunity_update
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2025, 4, 1, 9, tzinfo=datetime.UTC)
METRICS = {
    "auc": 0.7312,
    "brier": 0.1904,
    "top_decile_lift": 2.5,
    "closed": 400,
    "won": 120,
    "lost": 280,
    "test_count": 80,
}


@pytest.fixture
def pipeline(cast):
    """A bitFlyer deal moved to negotiation, a Kraken deal, and version 2 predicting both."""
    manager = cast["manager"]
    bitflyer = opportunity_create(exchange=cast["bitflyer"], name="Matching engine", user=manager, opened_at=OPENED)
    opportunity_update(bitflyer, user=manager, stage=OpportunityStage.NEGOTIATION)
    kraken = opportunity_create(exchange=cast["kraken"], name="Cold wallets", user=manager, opened_at=OPENED)
    model = WinModel.objects.create(
        version=2, trained_at=OPENED, feature_names=[], parameters={}, metrics=METRICS, trained_on_generated=True
    )
    for deal, likelihood in ((bitflyer, 0.415), (kraken, 0.7)):
        WinPrediction.objects.create(
            opportunity=deal, model=model, likelihood=likelihood, contributions=[], as_of=OPENED, predicted_at=OPENED
        )
    return {"bitflyer": bitflyer, "kraken": kraken, "model": model}


@pytest.fixture
def admin_user(client):
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def page(client, name: str, *args, **query) -> str:
    response = client.get(reverse(f"admin:{name}", args=args), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_pipeline_admin_pages_open(client, admin_user, pipeline):
    deal, model = pipeline["bitflyer"], pipeline["model"]
    prediction = WinPrediction.objects.get(opportunity=deal)

    listing = page(client, "leads_opportunity_changelist")
    assert "Matching engine" in listing and "Cold wallets" in listing
    detail = page(client, "leads_opportunity_change", deal.pk)
    # the stage history inline: both moves, shown, none editable nor removable
    assert "Stage history" in detail and 'name="stage_changes-TOTAL_FORMS" value="2"' in detail
    assert "Prospecting" in detail and "Negotiation" in detail
    assert 'name="stage_changes-0-to_stage"' not in detail and 'name="stage_changes-0-DELETE"' not in detail
    models = page(client, "leads_winmodel_changelist")
    assert "0.731" in models and "0.190" in models and "2.500" in models
    assert "400 closed (120 won, 280 lost); tested on the newest 80" in models
    page(client, "leads_winmodel_change", model.pk)
    predictions = page(client, "leads_winprediction_changelist")
    assert "bitFlyer: Matching engine" in predictions and ">42<" in predictions
    page(client, "leads_winprediction_change", prediction.pk)


def test_the_opportunity_list_filters_by_stage_and_searches_exchange_names(client, admin_user, pipeline):
    negotiating = page(client, "leads_opportunity_changelist", stage__exact=OpportunityStage.NEGOTIATION)
    assert "Matching engine" in negotiating and "Cold wallets" not in negotiating

    found = page(client, "leads_opportunity_changelist", q="kraken")
    assert "Cold wallets" in found and "Matching engine" not in found

    demo = page(client, "leads_opportunity_changelist", is_generated__exact="1")
    assert "Cold wallets" not in demo and "Matching engine" not in demo


def test_a_win_model_cannot_be_added_changed_nor_deleted(client, admin_user, pipeline, rf):
    request = rf.get("/")
    request.user = admin_user
    model_admin = WinModelAdmin(WinModel, None)

    assert (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request, pipeline["model"]),
        model_admin.has_delete_permission(request, pipeline["model"]),
    ) == (False, False, False)
    assert client.get(reverse("admin:leads_winmodel_add")).status_code == 403
    response = client.post(reverse("admin:leads_winmodel_delete", args=[pipeline["model"].pk]), {"post": "yes"})
    assert response.status_code == 403
    assert WinModel.objects.count() == 1
    # nor can an opportunity or a prediction be changed here
    assert client.get(reverse("admin:leads_opportunity_add")).status_code == 403
    assert client.get(reverse("admin:leads_winprediction_add")).status_code == 403
    assert Opportunity.objects.count() == 2


def test_a_staff_rep_sees_only_the_deals_of_the_exchanges_they_may_see(client, cast, pipeline):
    rep = cast["japan"]
    rep.is_staff = True
    rep.save()
    rep.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_opportunity", "view_winprediction", "view_winmodel"])
    )
    client.force_login(rep)

    assert "Matching engine" in page(client, "leads_opportunity_changelist")
    assert "Cold wallets" not in page(client, "leads_opportunity_changelist")
    assert client.get(reverse("admin:leads_opportunity_change", args=[pipeline["kraken"].pk])).status_code == 302
    predictions = page(client, "leads_winprediction_changelist")
    assert "bitFlyer: Matching engine" in predictions and "Kraken" not in predictions


def test_the_admin_is_for_staff_only(client, cast, pipeline):
    client.force_login(cast["manager"])  # a manager who is not staff

    response = client.get(reverse("admin:leads_opportunity_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
