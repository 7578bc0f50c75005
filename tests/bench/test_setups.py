"""Every benchmark builds its own data from an empty database: its set-up, run here at a small size
against the test database (which holds only what migrations create), writes exactly what it says.
A benchmark whose set-up drifts from the schema (a hand-written INSERT missing a new NOT NULL
column) fails here instead of on the next person's fresh clone."""

import importlib
import pkgutil
from pathlib import Path

import pytest

import bench

SMALL = 30
NAMES = sorted(
    module.name.removeprefix("bench_")
    for module in pkgutil.iter_modules([str(Path(bench.__file__).parent)])
    if module.name.startswith("bench_")
)
# What each set-up writes at SMALL (the catalogue-based ones load the real catalogue, whatever the size).
EXPECTED = {
    "api": {"scores": SMALL, "changes": SMALL},
    "import": {"exchanges": SMALL},
    "latency": {"exchanges": SMALL, "scores": SMALL, "subscriptions": 1},
    "pages": {
        "exchanges": SMALL,
        "events": 2,
        "attendees": 100 * SMALL,
        "contacts": 20 * SMALL,
        "follow_ups": 10 * SMALL,
    },
    "pipeline": {"exchanges": SMALL, "closed": 10 * SMALL, "open": SMALL},
    "scoring": {"exchanges": SMALL, "scores": SMALL},
    "salesforce": {"scores": SMALL},
    "technographics": {"addresses": SMALL, "ipv6": 3},
}


def test_every_benchmark_has_a_set_up_and_an_expectation():
    missing = [
        name for name in NAMES if not callable(getattr(importlib.import_module(f"bench.bench_{name}"), "setup", None))
    ]
    assert missing == []
    assert sorted(set(NAMES) - {"market", "registers"} - set(EXPECTED)) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", NAMES)
def test_set_up_from_an_empty_database(name):
    from crm.models import Exchange

    module = importlib.import_module(f"bench.bench_{name}")
    counts = module.setup(SMALL)
    if name in ("market", "registers"):
        from crm.demo import load_accounts

        assert counts == {"exchanges": Exchange.objects.count()}
        load_accounts()  # the catalogue loaded once: a second load adds nothing
        assert Exchange.objects.count() == counts["exchanges"]
        assert counts["exchanges"] > 100
    else:
        assert counts == EXPECTED[name]
