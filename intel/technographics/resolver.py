"""Resolve host names to their IPv4 and IPv6 addresses, with timeouts and bounded concurrency.

The resolver is replaceable: anything with `resolve(host) -> list[str]` that raises
ResolutionError will do. DnsResolver asks the system's name servers (dnspython); StaticResolver
answers from a fixed table (tests, and offline demos). settings.TECHNOGRAPHICS_RESOLVER names
the class the command and the task use."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_TIMEOUT_SECONDS = 3.0
# Threads resolving at once: enough to hide network latency for an exchange's handful of
# hosts, few enough not to flood a name server.
DEFAULT_MAX_WORKERS = 8


class ResolutionError(Exception):
    """A host could not be resolved; the message is what a rep reads (stored with the host)."""


class Resolver(Protocol):
    def resolve(self, host: str) -> list[str]: ...


@dataclass(frozen=True)
class HostAnswer:
    host: str
    addresses: tuple[str, ...] = ()
    error: str = ""


class DnsResolver:
    """A and AAAA records from the system's name servers, each query bounded by `timeout`."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT_SECONDS):
        self.timeout = timeout

    def resolve(self, host: str) -> list[str]:
        import dns.exception
        import dns.resolver

        resolver = dns.resolver.Resolver()
        resolver.lifetime = self.timeout
        resolver.timeout = self.timeout
        addresses: list[str] = []
        empty = 0
        for record_type in ("A", "AAAA"):
            try:
                answer = resolver.resolve(host, record_type, search=False)
            except dns.resolver.NXDOMAIN as error:
                raise ResolutionError(f"{host}: no such domain (NXDOMAIN)") from error
            except dns.resolver.NoAnswer:
                empty += 1
                continue
            except dns.resolver.LifetimeTimeout as error:
                raise ResolutionError(f"{host}: no answer within {self.timeout:g} s ({record_type})") from error
            except dns.resolver.NoNameservers as error:
                raise ResolutionError(f"{host}: no name server answered ({record_type})") from error
            except dns.exception.DNSException as error:
                raise ResolutionError(f"{host}: {error}") from error
            addresses.extend(record.to_text() for record in answer)
        if empty == 2:
            raise ResolutionError(f"{host}: the name exists but has no A or AAAA record")
        return addresses


class StaticResolver:
    """Answers from a fixed table: host -> addresses, or host -> an error message (a str)."""

    def __init__(self, answers: Mapping[str, Sequence[str] | str]):
        self.answers = {host.lower(): value for host, value in answers.items()}
        self.asked: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.asked.append(host)
        value = self.answers.get(host.lower())
        if value is None:
            raise ResolutionError(f"{host}: no such domain (NXDOMAIN)")
        if isinstance(value, str):
            raise ResolutionError(f"{host}: {value}")
        return list(value)


def default_resolver() -> Resolver:
    """The resolver named by settings.TECHNOGRAPHICS_RESOLVER (DnsResolver unless set)."""
    path = getattr(settings, "TECHNOGRAPHICS_RESOLVER", "intel.technographics.resolver.DnsResolver")
    return import_string(path)()


def resolve_hosts(
    hosts: Iterable[str],
    *,
    resolver: Resolver,
    max_workers: int = DEFAULT_MAX_WORKERS,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, HostAnswer]:
    """Resolve every host, at most max_workers at a time. A failure is an answer with an error,
    never an exception: one bad host does not stop the others."""
    unique = sorted(set(hosts))
    if not unique:
        return {}

    def one(host: str) -> HostAnswer:
        try:
            addresses = resolver.resolve(host)
        except ResolutionError as error:
            return HostAnswer(host=host, error=str(error))
        except Exception as error:  # a resolver bug or an OS error must not stop the run
            return HostAnswer(host=host, error=f"{host}: resolution failed ({type(error).__name__}: {error})")
        if not addresses:
            return HostAnswer(host=host, error=f"{host}: no A or AAAA record")
        return HostAnswer(host=host, addresses=tuple(dict.fromkeys(addresses)))

    results: dict[str, HostAnswer] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(unique)))) as pool:
        for done, answer in enumerate(pool.map(one, unique), start=1):
            results[answer.host] = answer
            if progress:
                progress(done, len(unique))
    return results
