"""Fixtures of the cloud footprint tests: fixed DNS answers (no test resolves a real name) and
small range tables built through the same code as the shipped ones."""

import ipaddress

import pytest

from intel.technographics.attribution import IpTables
from intel.technographics.resolver import ResolutionError, StaticResolver
from intel.technographics.tables import SOURCE_ASN, RawRange, SourceData, build_payload


def cidr(text: str, provider: str, region: str = "", asn: int = 0, tie: int = 1) -> RawRange:
    network = ipaddress.ip_network(text)
    return RawRange(
        version=network.version,
        start=int(network.network_address),
        end=int(network.broadcast_address),
        provider_key=provider,
        region=region,
        asn=asn,
        source_rank=SOURCE_ASN if asn else 1,
        tie_rank=tie,
    )


FIXTURE_RANGES = [
    cidr("13.112.0.0/14", "aws", "ap-northeast-1"),
    cidr("13.224.0.0/14", "aws-cloudfront", tie=2),
    cidr("3.0.0.0/15", "aws", "ap-southeast-1"),
    cidr("2406:da14::/32", "aws", "ap-northeast-1"),
    cidr("47.74.0.0/15", "alibaba", asn=45102),
    cidr("43.128.0.0/14", "tencent", asn=132203),
    cidr("104.16.0.0/13", "cloudflare", asn=13335),
    cidr("2606:4700::/32", "cloudflare", asn=13335),
]


@pytest.fixture
def tables() -> IpTables:
    source = SourceData(ranges=FIXTURE_RANGES, description={"name": "fixture", "version": "1", "date": "2025-08-01"})
    return IpTables(build_payload([source], built_on="2025-08-02"))


class FixtureResolver(StaticResolver):
    """The resolver settings name in tests: answers from FixtureResolver.answers only."""

    answers_by_host: dict = {}

    def __init__(self):
        super().__init__(type(self).answers_by_host)


class NoNetworkResolver:
    def resolve(self, host: str) -> list[str]:
        raise ResolutionError(f"{host}: tests never resolve a real name")


@pytest.fixture(autouse=True)
def no_real_dns(settings, monkeypatch):
    """Every test resolves through fixtures: the default resolver refuses, and dnspython's
    resolver cannot be reached by accident."""
    settings.TECHNOGRAPHICS_RESOLVER = "tests.technographics.conftest.NoNetworkResolver"
    import dns.resolver

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to resolve a real name")

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", refuse)


@pytest.fixture
def fixture_resolver(settings):
    """Point the command and the tasks at fixed answers: call with {host: [ip, ...] or 'error'}."""
    settings.TECHNOGRAPHICS_RESOLVER = "tests.technographics.conftest.FixtureResolver"

    def answer(answers: dict) -> None:
        FixtureResolver.answers_by_host = answers

    yield answer
    FixtureResolver.answers_by_host = {}


@pytest.fixture
def eager_celery():
    """Run tasks in-process: these tests are about what a task does, not about the queue."""
    from crm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
