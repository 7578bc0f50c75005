"""Cloud attribution: loading the shipped range tables (target < 2 s) and attributing 100,000 IP
addresses (target > 50,000 IPs/s), against the bare cost of parsing an address and one bisect.

Pure: needs no database. `python -m bench technographics`."""

import os
import random
import socket
import time
from bisect import bisect_right

from bench.common import machine

COUNT = 100_000
LOAD_TARGET_SECONDS = 2.0
RATE_TARGET = 50_000


def sample_addresses(tables, count: int, seed: int = 8) -> list[str]:
    """90% IPv4, 10% IPv6; half of each drawn inside the tables' ranges (hits), half anywhere."""
    rng = random.Random(seed)
    v4_starts, v4_ends = tables._v4_starts, tables._v4_ends
    v6_starts, v6_ends = tables._v6_starts, tables._v6_ends
    addresses = []
    for index in range(count):
        if index % 10 == 9:
            if index % 20 == 19:
                i = rng.randrange(len(v6_starts))
                number = rng.randint(v6_starts[i], v6_ends[i])
            else:
                number = rng.getrandbits(128)
            addresses.append(socket.inet_ntop(socket.AF_INET6, number.to_bytes(16, "big")))
        else:
            if index % 2:
                i = rng.randrange(len(v4_starts))
                number = rng.randint(v4_starts[i], v4_ends[i])
            else:
                number = rng.getrandbits(32)
            addresses.append(socket.inet_ntoa(number.to_bytes(4, "big")))
    return addresses


def bare_floor(tables, addresses: list[str]) -> float:
    """Seconds for the least any lookup must do: parse each address and bisect once."""
    v4, v6 = tables._v4_starts, tables._v6_starts
    inet_pton, from_bytes, af4, af6 = socket.inet_pton, int.from_bytes, socket.AF_INET, socket.AF_INET6
    started = time.perf_counter()
    for address in addresses:
        if ":" in address:
            bisect_right(v6, from_bytes(inet_pton(af6, address), "big"))
        else:
            bisect_right(v4, from_bytes(inet_pton(af4, address), "big"))
    return time.perf_counter() - started


def setup(size: int) -> dict[str, int]:
    """The set-up (no database): the shipped tables and `size` sample addresses."""
    from intel.technographics.attribution import TABLES_PATH, IpTables

    addresses = sample_addresses(IpTables.load(TABLES_PATH), size)
    return {"addresses": len(addresses), "ipv6": sum(":" in address for address in addresses)}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    from intel.technographics.attribution import TABLES_PATH, IpTables

    print(f"   machine: {machine()}")
    started = time.perf_counter()
    tables = IpTables.load(TABLES_PATH)
    load_seconds = time.perf_counter() - started
    print(
        f"   load {TABLES_PATH.name} ({TABLES_PATH.stat().st_size / 1e6:.2f} MB, {tables.info.ipv4_ranges} IPv4 + "
        f"{tables.info.ipv6_ranges} IPv6 ranges, built on {tables.info.built_on}): {load_seconds * 1000:.0f} ms "
        f"(target < {LOAD_TARGET_SECONDS:.0f} s: {LOAD_TARGET_SECONDS / load_seconds:.0f}x under)"
    )
    addresses = sample_addresses(tables, COUNT)
    attribute = tables.attribute
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        hits = sum(1 for address in addresses if attribute(address) is not None)
        best = min(best, time.perf_counter() - started)
    rate = COUNT / best
    floor = min(bare_floor(tables, addresses) for _ in range(3))
    print(
        f"   attribute {COUNT:,} addresses ({hits:,} on a known cloud or front door): {best:.3f} s, "
        f"{rate:,.0f} IPs/s (target > {RATE_TARGET:,}: {rate / RATE_TARGET:.1f}x)"
    )
    print(
        f"   bare parse + bisect floor: {floor:.3f} s, {COUNT / floor:,.0f} IPs/s; "
        f"attribution costs {best / floor:.2f}x the floor"
    )


if __name__ == "__main__":
    main()
