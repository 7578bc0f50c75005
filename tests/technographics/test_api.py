"""The footprint API: host -> IP -> cloud / region / front door, only for exchanges the user may see."""

import datetime

import pytest
from rest_framework.test import APIClient

from crm.choices import RepRole, TokenAccess
from crm.services import api_token_create
from intel.technographics.choices import EndpointRole
from intel.technographics.models import CloudDetection
from intel.technographics.resolver import StaticResolver
from intel.technographics.services import exchange_clouds_detect
from tests.crm.factories import ExchangeFactory, RepFactory, jurisdiction
from tests.technographics.factories import EndpointFactory

pytestmark = pytest.mark.django_db

CHECKED = datetime.datetime(2025, 9, 1, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture
def sigma(tables):
    exchange = ExchangeFactory(
        name="Sigma", slug="sigma", website="https://www.sigma.example", headquarters=jurisdiction("JP"), ccxt_id=None
    )
    EndpointFactory(exchange=exchange, host="api.sigma.example", role=EndpointRole.API)
    answers = {"api.sigma.example": ["13.112.0.7", "2606:4700::1"], "www.sigma.example": "SERVFAIL"}
    exchange_clouds_detect(exchange_id=exchange.pk, resolver=StaticResolver(answers), tables=tables, now=CHECKED)
    return exchange


def test_a_rep_in_the_territory_reads_the_footprint(sigma, django_assert_max_num_queries):
    rep = RepFactory(user__username="rep.tokyo", territories=[jurisdiction("JP")])
    client = APIClient()
    client.force_login(rep.user)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/technographics/exchanges/sigma/footprint/")
    assert response.status_code == 200
    body = response.json()
    assert [(h["host"], h["role"], h["error"]) for h in body["hosts"]] == [
        ("api.sigma.example", "api", ""),
        ("www.sigma.example", "website", "www.sigma.example: SERVFAIL"),
    ]
    assert [(a["ip"], a["description"]) for a in body["hosts"][0]["addresses"]] == [
        ("13.112.0.7", "AWS Tokyo (ap-northeast-1)"),
        ("2606:4700::1", "front door on Cloudflare, origin unknown"),
    ]
    assert body["latest"]["summary"] == "behind a front door, origin unknown; 1 of 2 hosts failed to resolve"
    assert body["latest"]["front_doors"] == ["api.sigma.example: front door on Cloudflare, origin unknown"]
    assert body["latest"]["checked_at"] == "2025-09-01T03:00:00Z"


def test_a_rep_outside_the_territory_gets_not_found(sigma):
    rep = RepFactory(user__username="rep.london", territories=[jurisdiction("GB")])
    client = APIClient()
    client.force_login(rep.user)
    response = client.get("/api/v1/technographics/exchanges/sigma/footprint/")
    assert response.status_code == 404
    assert APIClient().get("/api/v1/technographics/exchanges/sigma/footprint/").status_code == 401


def test_the_owner_asks_for_a_check_now_and_the_footprint_shows_its_verdict(sigma, fixture_resolver, eager_celery):
    rep = RepFactory(user__username="rep.owner", territories=[jurisdiction("JP")])
    sigma.owner = rep.user
    sigma.save()
    fixture_resolver({"api.sigma.example": ["13.112.0.9"], "www.sigma.example": ["13.112.0.10"]})
    client = APIClient()
    client.force_login(rep.user)

    response = client.post("/api/v1/technographics/exchanges/sigma/footprint/detect/")

    assert (response.status_code, response.json()) == (202, {"queued": True})
    assert CloudDetection.objects.filter(exchange=sigma).count() == 2
    latest = client.get("/api/v1/technographics/exchanges/sigma/footprint/").json()["latest"]
    assert latest["summary"] == "API on AWS Tokyo (ap-northeast-1) 100%"


def test_a_rep_who_only_sees_the_exchange_may_not_start_a_check(sigma, eager_celery):
    rep = RepFactory(user__username="rep.tokyo", territories=[jurisdiction("JP")])
    client = APIClient()
    client.force_login(rep.user)

    response = client.post("/api/v1/technographics/exchanges/sigma/footprint/detect/")

    assert response.status_code == 403
    assert CloudDetection.objects.filter(exchange=sigma).count() == 1


def test_a_read_only_token_of_a_manager_may_not_start_a_check(sigma, eager_celery):
    manager = RepFactory(user__username="boss", role=RepRole.MANAGER)
    issued = api_token_create(user=manager.user, name="dashboards", access=TokenAccess.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")

    response = client.post("/api/v1/technographics/exchanges/sigma/footprint/detect/")

    assert response.status_code == 403
    assert CloudDetection.objects.filter(exchange=sigma).count() == 1
