"""Run the benchmarks: `python -m bench [NAME ...]` (or `make bench`).

Each module bench/bench_<name>.py defines `main() -> None`, prints its figures, and sets up
its own data (most need PostgreSQL: BENCH_DATABASE_URL, default a local `bench` database)."""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(
        module.name.removeprefix("bench_")
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if module.name.startswith("bench_")
    )
    for name in names:
        print(f"== bench {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.bench_{name}").main()
        print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
