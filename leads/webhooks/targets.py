"""Where webhooks may go. A target's name is resolved once, within a bounded time; every address it
resolves to is checked (public addresses only, unless settings.WEBHOOK_ALLOW_PRIVATE_TARGETS), and the
delivery connects to a checked address, so a name re-pointed between the check and the connection
(DNS rebinding) cannot reach a private one."""

import dataclasses
import ipaddress
import socket
import threading
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetRefused(ValueError):
    """The target URL is not one deliveries may be sent to."""


class TargetNotResolved(TargetRefused):
    """The target's name did not resolve (or not in time); worth trying again later."""


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system's resolver gives for `host`, in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


# Replaceable (tests swap it for a fake that answers without DNS). Called in a worker thread and
# abandoned when it takes longer than the resolve timeout: getaddrinfo itself has no timeout.
resolver: Callable[[str, int], list[str]] = system_resolver


def resolve_timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_RESOLVE_TIMEOUT_SECONDS", 2.0))


@dataclasses.dataclass(frozen=True)
class Target:
    """A checked target: the URL as subscribed, and the address deliveries connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the name (the name goes in Host and, for
        https, in SNI and the certificate check)."""
        parts = urlsplit(self.url)
        address = f"[{self.address}]" if ":" in self.address else self.address
        return urlunsplit((parts.scheme, f"{address}:{self.port}", parts.path or "/", parts.query, ""))


def resolve(host: str, port: int, *, timeout: float) -> list[str]:
    """The addresses of `host` (an address stands for itself), or TargetNotResolved after `timeout` s."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["addresses"] = resolver(host, port)
        except Exception as error:  # handed to the caller's thread below
            outcome["error"] = error

    worker = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TargetNotResolved(f"Resolving {host!r} took longer than {timeout:g} s.")
    if "error" in outcome:
        raise TargetNotResolved(f"The host {host!r} does not resolve: {outcome['error']}.")
    addresses = list(outcome["addresses"])  # type: ignore[call-overload]
    if not addresses:
        raise TargetNotResolved(f"The host {host!r} resolves to no address.")
    return addresses


def check_target(url: str, *, timeout: float | None = None) -> Target:
    """Refuse non-HTTP(S) URLs and names resolving to any private, loopback, link-local, reserved or
    multicast address; answer the target with the first resolved address to connect to."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise TargetRefused(f"{url!r} is not an http(s) URL.")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise TargetRefused(f"{url!r} has an invalid port.") from error
    host = parts.hostname
    addresses = resolve(host, port, timeout=resolve_timeout_seconds() if timeout is None else timeout)
    if not getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False):
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not ip.is_global or ip.is_multicast:
                raise TargetRefused(
                    f"{host} resolves to {ip}, a private or loopback address; deliveries go to public "
                    "addresses only (WEBHOOK_ALLOW_PRIVATE_TARGETS allows others)."
                )
    return Target(url=url, scheme=parts.scheme, host=host, port=port, address=addresses[0])
