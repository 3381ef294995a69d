"""`python -m bench` (or `briefings bench`): the bot's performance figures against their targets.

Self-contained: the data is generated from the two sample digests, the Bot API is a stand-in on
127.0.0.1 in its own process, nothing leaves the machine. Prints a table and writes
`bench/results.json` (machine, sizes, each figure with its target and pass/fail).

    python -m bench              # full sizes: 1M items, 100k subscribers, 10k messages (~10 min
                                 # once the databases are cached; building them takes longer)
    python -m bench --quick      # 100k items, 10k subscribers, 600 messages (~1 min)
    python -m bench --only topic,search --items 200000   # "queries" runs both

Exit status: 0 when every figure meets its target, 1 when one misses or fails, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench.data import CACHE
from bench.figures import (
    Figure,
    Sizes,
    measure_compose,
    measure_delivery,
    measure_ingest,
    measure_memory,
    measure_queries,
    measure_startup,
)
from bench.workspace import Workspace

RESULTS = Path(__file__).resolve().parent / "results.json"
# Figure keys in the order they run; "queries" yields both "topic" and "search".
ORDER = ("ingest", "queries", "compose", "startup", "memory", "delivery", "paid")
ALIASES = {"topic": "queries", "search": "queries"}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--items", type=int, help="items in the base database (1,000,000)")
    parser.add_argument("--subscribers", type=int, help="subscribers (100,000)")
    parser.add_argument("--messages", type=int, help="messages delivered at 30 msg/s (10,000)")
    parser.add_argument("--paid-messages", type=int, help="messages with paid broadcast (10,000)")
    parser.add_argument("--ingest-items", type=int, help="items ingested on top (20,000)")
    parser.add_argument("--queries", type=int, help="/topic and /search commands, each (400)")
    parser.add_argument("--runs", type=int, default=3, help="start-ups timed (median)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(ORDER)}")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where databases are cached")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the results file")
    return parser.parse_args(argv)


def choose_sizes(options: argparse.Namespace) -> Sizes:
    base = Sizes.quick() if options.quick else Sizes.full()
    given = {
        "items": options.items, "subscribers": options.subscribers, "messages": options.messages,
        "paid_messages": options.paid_messages, "ingest_items": options.ingest_items,
        "queries": options.queries,
    }
    values = {**base.__dict__, **{key: value for key, value in given.items() if value is not None}}
    if any(value < 1 for value in values.values()) or options.runs < 1:
        raise ValueError("every size must be at least 1")
    return Sizes(**values)


def machine() -> dict[str, Any]:
    def package(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    memory = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    try:
        usable: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    return {
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gb": memory,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "sqlite": sqlite3.sqlite_version,
        "python_telegram_bot": package("python-telegram-bot"),
        "sqlite_utils": package("sqlite-utils"),
        "httpx": package("httpx"),
        "commit": _commit(),
    }


def _commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=Path(__file__).resolve().parent, timeout=5,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def run_figures(ws: Workspace, sizes: Sizes, selected: list[str], runs: int = 3) -> list[Figure]:
    """Each selected figure in order; one that raises is reported, the rest still run."""
    shared: Path | None = None

    def population() -> Path:
        nonlocal shared
        if shared is None:
            shared = ws.copy(ws.population_db(sizes.items, sizes.subscribers), "population")
        return shared

    runners: dict[str, Callable[[], list[Figure]]] = {
        "ingest": lambda: measure_ingest(ws, sizes),
        "queries": lambda: measure_queries(ws, sizes, population()),
        "compose": lambda: measure_compose(ws, sizes, population()),
        "startup": lambda: measure_startup(ws, sizes, population(), runs),
        "memory": lambda: measure_memory(ws, sizes, population()),
        "delivery": lambda: measure_delivery(ws, sizes, paid=False),
        "paid": lambda: measure_delivery(ws, sizes, paid=True),
    }
    figures: list[Figure] = []
    try:
        for key in selected:
            print(f"{key} …", flush=True)
            started = time.perf_counter()
            try:
                found = runners[key]()
            except Exception as error:
                traceback.print_exc()
                found = [Figure(key, key, "", 0, True, error=f"{type(error).__name__}: {error}")]
            for figure in found:
                figure.seconds = time.perf_counter() - started
                print(f"  {figure.title}: {_value(figure)} ({_verdict(figure)})", flush=True)
            figures.extend(found)
    finally:
        if shared is not None:
            ws.discard(shared)
    return figures


def _value(figure: Figure) -> str:
    if figure.value is None:
        return "—"
    if figure.key in {"topic", "search"}:
        return f"p50 {figure.detail['p50_ms']:.1f} / p99 {figure.value:.1f} ms"
    digits = 0 if figure.value >= 100 else 2 if figure.value < 10 else 1
    return f"{figure.value:,.{digits}f} {figure.unit}"


def _verdict(figure: Figure) -> str:
    if figure.error is not None:
        return f"ERROR: {figure.error}"
    if figure.passed:
        return "pass"
    failed = [name for name, ok in figure.conditions.items() if not ok]
    return "MISS" + (f" ({', '.join(failed)} failed)" if failed else "")


def table(figures: list[Figure]) -> str:
    rows = [("figure", "measured", "target", "result")]
    rows += [(f.title, _value(f), f.target_text if f.error is None else "", _verdict(f))
             for f in figures]
    widths = [max(len(row[col]) for row in rows) for col in range(3)]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                     + "  " + row[3])
        if index == 0:
            lines.append("  ".join("-" * width for width in widths) + "  " + "-" * 6)
    return "\n".join(lines)


def write_results(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)


def _selected(only: str) -> list[str]:
    """Run keys in ORDER's order; "topic" and "search" (the figures' own keys) mean "queries"."""
    keys = {ALIASES.get(key.strip(), key.strip()) for key in only.split(",") if key.strip()}
    return [key for key in ORDER if key in keys] + sorted(keys - set(ORDER))


def main(args: list[str] | None = None) -> int:
    options = parse_args(sys.argv[1:] if args is None else args)
    selected = ORDER if not options.only else _selected(options.only)
    unknown = [key for key in selected if key not in ORDER]
    if unknown:
        print(f"unknown figure(s): {', '.join(unknown)}; choose from {', '.join(ORDER)}",
              file=sys.stderr)
        return 2
    try:
        sizes = choose_sizes(options)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    started = time.perf_counter()
    facts = machine()
    print(f"briefings bench: {facts['cores']} cores, {facts['memory_gb']} GB, "
          f"Python {facts['python']}, {facts['platform']}")
    print(f"sizes: {sizes}")
    figures = run_figures(Workspace(cache=options.cache), sizes, list(selected), options.runs)
    print()
    print(table(figures))
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(sys.argv[1:] if args is None else args),
        "mode": "quick" if options.quick else "full",
        "machine": facts,
        "sizes": sizes.__dict__,
        "seconds": round(time.perf_counter() - started, 1),
        "passed": bool(figures) and all(figure.passed for figure in figures),
        "figures": [figure.to_json() for figure in figures],
    }
    write_results(options.out, results)
    print(f"\nwritten to {options.out} in {results['seconds']:.0f} s")
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
