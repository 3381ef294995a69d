"""The bot process whose peak memory is measured: `python -m bench.botproc --db --api --now`.

It does what a running bot does, in one process: Settings from the environment, the Store on the
database, `build_application`, initialize (getMe) and post_init (setMyCommands) against the
loopback stand-in, one run of the briefing clock at `--now` (composing and delivering to everyone
due then), and then composing a briefing for every subscriber (the worst tick: all due at once).
It prints one JSON line: the peak resident set size (VmHWM) after each step, and timings.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import logging
import resource
import time
from pathlib import Path
from typing import Any

from sqlite_utils import Database


def peak_rss_kb() -> int:
    """This process's peak resident set size, in kB.

    VmHWM where there is /proc: ru_maxrss of a child keeps the high-water mark of the parent it
    was forked from (Linux carries it across exec), which would charge the benchmark's own
    memory to the bot.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # kB on Linux


async def run(db: Path, api: str, now: dt.datetime) -> dict[str, Any]:
    from bench.figures import _last_report, compose_everyone, start_bot
    from bench.workspace import END
    from bot.settings import Settings
    from briefings.store import Store

    found: dict[str, Any] = {"rss_kb_at_start": peak_rss_kb()}
    settings = Settings.from_env(env_file=None)
    settings = dataclasses.replace(settings, api_base_url=api, db_path=db)
    store = Store(Database(db))
    application, job = await start_bot(settings, store, lambda: now)
    found["rss_kb_after_start"] = peak_rss_kb()
    try:
        started = time.perf_counter()
        await job.run(application)
        found["tick_s"] = round(time.perf_counter() - started, 2)
        found["tick"] = _last_report(application)
        found["rss_kb_after_tick"] = peak_rss_kb()
        started = time.perf_counter()
        found["compose_everyone"] = compose_everyone(
            store, application.bot_data["services"].catalogue, END, settings.briefing_budget
        )
        found["compose_everyone_s"] = round(time.perf_counter() - started, 2)
        found["rss_kb_after_composing_for_everyone"] = peak_rss_kb()
    finally:
        await application.shutdown()
        store.close()
    found["peak_rss_kb"] = peak_rss_kb()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.botproc", description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--api", required=True, help="the stand-in's base URL (…/bot)")
    parser.add_argument("--now", type=dt.datetime.fromisoformat, required=True)
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    found = asyncio.run(run(options.db, options.api, options.now))
    print(json.dumps(found), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
