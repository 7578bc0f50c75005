"""Resolution: every host answered or given an error, none stops the others; timeouts are messages."""

import dns.resolver
import pytest

from intel.technographics.resolver import DnsResolver, HostAnswer, ResolutionError, StaticResolver, resolve_hosts


class BrokenResolver:
    def resolve(self, host: str) -> list[str]:
        if host == "bad.example":
            raise RuntimeError("socket closed")
        return ["192.0.2.1", "192.0.2.1", "2001:db8::1"]


def test_each_host_gets_its_addresses_or_its_error_and_progress_counts_them():
    seen = []
    answers = resolve_hosts(
        ["a.example", "b.example", "a.example"],
        resolver=StaticResolver({"a.example": ["192.0.2.1"], "b.example": "SERVFAIL"}),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert answers == {
        "a.example": HostAnswer(host="a.example", addresses=("192.0.2.1",)),
        "b.example": HostAnswer(host="b.example", error="b.example: SERVFAIL"),
    }
    assert seen == [(1, 2), (2, 2)]


def test_a_resolver_that_crashes_on_one_host_gives_an_error_for_that_host_only():
    answers = resolve_hosts(["bad.example", "good.example"], resolver=BrokenResolver(), max_workers=2)
    assert answers["bad.example"].error == "bad.example: resolution failed (RuntimeError: socket closed)"
    assert answers["good.example"].addresses == ("192.0.2.1", "2001:db8::1")


def test_the_dns_resolver_reports_a_timeout_with_its_limit(monkeypatch):
    # given name servers that never answer (dnspython's own timeout, raised without any network)
    def time_out(self, host, record_type, search=False):
        assert (self.lifetime, self.timeout) == (1.5, 1.5)
        raise dns.resolver.LifetimeTimeout(timeout=1.5, errors=[])

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", time_out)
    with pytest.raises(ResolutionError) as error:
        DnsResolver(timeout=1.5).resolve("api.example.com")
    assert str(error.value) == "api.example.com: no answer within 1.5 s (A)"


def test_the_dns_resolver_reports_a_name_that_does_not_exist(monkeypatch):
    def nxdomain(self, host, record_type, search=False):
        raise dns.resolver.NXDOMAIN()

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", nxdomain)
    with pytest.raises(ResolutionError) as error:
        DnsResolver().resolve("gone.example.com")
    assert str(error.value) == "gone.example.com: no such domain (NXDOMAIN)"
