"""Where webhooks may go: public addresses only, unless settings.WEBHOOK_ALLOW_PRIVATE_TARGETS."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class TargetRefused(ValueError):
    """The target URL is not one deliveries may be sent to."""


def check_target(url: str) -> None:
    """Refuse non-HTTP(S) URLs and hosts resolving to private, loopback, link-local or reserved ranges
    (checked again at each send, so a name re-pointed later is caught too)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"{url!r} is not an http(s) URL.")
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except socket.gaierror as error:
        raise TargetRefused(f"The host {parts.hostname!r} does not resolve: {error}.") from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise TargetRefused(
                f"{parts.hostname} resolves to {ip}, a private or loopback address; deliveries go to public "
                "addresses only (WEBHOOK_ALLOW_PRIVATE_TARGETS allows others)."
            )
