"""Where the benchmark keeps its databases: built once, cached, copied for each figure.

`bench/.cache/` (git-ignored) holds `items-<N>-v<V>.db` (N items over a year) and
`population-<N>-<S>-v<V>.db` (the same plus S subscribers). A figure that writes works on a fresh
copy, so the cache never changes under a measurement.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from bench.data import (
    CACHE,
    VERSION,
    Corpus,
    DigestMaker,
    SubscriberMaker,
    fill,
    load_corpus,
    register,
)
from briefings.store import Store
from briefings.topics import Catalogue, load_catalogue

# The benchmark's "now": the base holds the year of items before it. A Monday, 05:00 UTC.
END = dt.datetime(2024, 11, 4, 5, 0, tzinfo=dt.UTC)
# Subscribers registered the day before END: everyone whose time has come is due at END.
REGISTERED = END - dt.timedelta(days=1)


def open_store(path: Path) -> Store:
    return Store(Database(path))


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _settle(path: Path) -> None:
    """Write a freshly built or copied database out to disk before anything is timed.

    Otherwise the whole file sits as dirty pages in the OS cache, and the next fsync (SQLite's,
    at a WAL checkpoint in the figure being measured) waits for all of it to be written.
    """
    with path.open("rb+") as file:
        os.fsync(file.fileno())


def checkpoint(store: Store) -> None:
    """Fold the WAL into the file, so a plain copy of the file is the whole database."""
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@dataclass
class Workspace:
    cache: Path = CACHE
    log: bool = True

    def __post_init__(self) -> None:
        self.cache.mkdir(parents=True, exist_ok=True)
        self._catalogue: Catalogue | None = None
        self._corpus: Corpus | None = None

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load_catalogue()
        return self._catalogue

    @property
    def corpus(self) -> Corpus:
        if self._corpus is None:
            self._corpus = load_corpus(self.catalogue)
        return self._corpus

    def say(self, text: str) -> None:
        if self.log:
            print(f"  · {text}", flush=True)

    def items_db(self, items: int) -> Path:
        """A database of `items` items spread over the year before END (cached)."""
        path = self.cache / f"items-{items}-{self.corpus.fingerprint}-v{VERSION}.db"
        if path.exists():
            return path
        building = path.with_suffix(".building")
        _remove(building)
        self.say(f"building a base of {items:,} items (once; cached in {self.cache})")
        started = time.perf_counter()
        store = open_store(building)
        try:
            stored = fill(store, DigestMaker(self.corpus, seed=items), items, end=END)
            checkpoint(store)
        finally:
            store.close()
        _remove(Path(f"{building}-wal"))
        self.publish(building, path, f"items-{items}-*")
        self.say(f"{stored:,} items in {time.perf_counter() - started:.1f} s")
        return path

    def population_db(self, items: int, subscribers: int) -> Path:
        """The items database plus `subscribers` subscribers, registered at REGISTERED."""
        name = f"population-{items}-{subscribers}-{self.corpus.fingerprint}-v{VERSION}.db"
        path = self.cache / name
        if path.exists():
            return path
        building = path.with_suffix(".building")
        _remove(building)
        shutil.copyfile(self.items_db(items), building)
        self.say(f"registering {subscribers:,} subscribers (once; cached)")
        started = time.perf_counter()
        store = open_store(building)
        try:
            maker = SubscriberMaker(self.catalogue.slugs, seed=subscribers)
            register(store, maker.readers(subscribers), now=REGISTERED)
            checkpoint(store)
        finally:
            store.close()
        self.publish(building, path, f"population-{items}-{subscribers}-*")
        self.say(f"{subscribers:,} subscribers in {time.perf_counter() - started:.1f} s")
        return path

    def publish(self, building: Path, path: Path, pattern: str) -> None:
        """A finished build becomes the cached database, on disk; older builds of it go."""
        _settle(building)
        building.rename(path)
        self.prune(path, pattern)

    def prune(self, keep: Path, pattern: str) -> None:
        """Remove cached databases of the same sizes built from other code or data."""
        for stale in self.cache.glob(pattern):
            if stale != keep and stale.suffix == ".db":
                self.say(f"removing the outdated {stale.name}")
                _remove(stale)

    def copy(self, source: Path, name: str) -> Path:
        """A fresh working copy of a cached database, already on disk (see _settle)."""
        target = self.cache / f"work-{name}.db"
        _remove(target)
        shutil.copyfile(source, target)
        _settle(target)
        return target

    def discard(self, path: Path) -> None:
        _remove(path)
