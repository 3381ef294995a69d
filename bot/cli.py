"""The `briefings` command: ingest, parse, classify, search, topics, show, run, chat, bench,
quickstart.

Only this module (through `main`) reads the environment and configures logging. Every failure
ends as one `error: ...` line on stderr and exit code 1, never a traceback; the details are
logged at DEBUG (`briefings -v ...`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import inspect
import io
import json
import logging
import os
import sys
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import click
import httpx
from sqlite_utils import Database
from tqdm import tqdm

from bot.settings import Settings
from briefings.digests import parse_digest
from briefings.fetch import FetchError, Source
from briefings.ingest import Summary, documents, ingest_inputs, item_text, read_input
from briefings.models import Classification, Digest, StoredItem
from briefings.store import Store
from briefings.topics import Catalogue, classify, load_catalogue

log = logging.getLogger("briefings.cli")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "digests"
PROGRESS_THRESHOLD = 5  # more inputs or entries than this get a progress bar
USER_AGENT = "briefings/0.1"


class CliError(click.ClickException):
    """A failure the user can act on: printed as one `error: ...` line, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class Group(click.Group):
    """Turns any exception escaping a command into a one-line error (details at DEBUG)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            # `briefings search x | head`: the reader left; say nothing, like other tools.
            _silence_stdout()
            raise click.exceptions.Exit(1) from None
        except Exception as error:
            log.debug("command failed", exc_info=True)
            raise CliError(_describe(error)) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (tests): nothing will be flushed to a closed pipe


def _describe(error: Exception) -> str:
    text = " ".join(str(error).split())
    if isinstance(error, ImportError):
        return f"{error.name or 'a module'} is not available ({text})"
    # Named domain errors (SettingsError, CatalogueError, FetchError, ...) read well on their
    # own; anything else keeps its type so a bug report has something to go on.
    if type(error).__module__.startswith(("briefings", "bot")) or isinstance(error, OSError):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text} (run `briefings -v ...` for details)"


class Env:
    """What commands share: the settings, and the store and catalogue opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._catalogue: Catalogue | None = None

    def store(self) -> Store:
        if self._store is None:
            path = self.settings.db_path
            path.parent.mkdir(parents=True, exist_ok=True)
            self._store = Store(Database(path))
        return self._store

    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load_catalogue(self.settings.catalogue_path)
        return self._catalogue

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler narrates every job it adds and runs at INFO; that is noise on a terminal.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite database file (overrides BRIEFINGS_DB).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details to stderr.")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, verbose: bool) -> None:
    """Turn long news digests into short personal briefings."""
    settings = Settings.from_env()
    if db is not None:
        settings = dataclasses.replace(settings, db_path=db)
    configure_logging("DEBUG" if verbose else settings.log_level)
    env = Env(settings)
    ctx.obj = env
    ctx.call_on_close(env.close)


def main(argv: Sequence[str] | None = None) -> None:
    """The console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="briefings")


# ---------------------------------------------------------------- ingest


class ProgressBar:
    """A tqdm bar on stderr, shown only for batches larger than PROGRESS_THRESHOLD."""

    def __init__(self) -> None:
        self.bar: tqdm[Any] | None = None

    def __call__(self, done: int, total: int) -> None:
        if total <= PROGRESS_THRESHOLD:
            return
        if self.bar is None:
            self.bar = tqdm(total=total, file=sys.stderr, unit="digest")
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def new_client(settings: Settings) -> httpx.AsyncClient:
    """The client for one command's fetches; create it inside the running event loop."""
    return httpx.AsyncClient(
        timeout=settings.http_timeout or None,
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT},
    )


async def run_ingest(env: Env, inputs: Sequence[str], date: dt.date | None) -> Summary:
    bar = ProgressBar()
    try:
        async with new_client(env.settings) as client:
            return await ingest_inputs(
                env.store(), env.catalogue(), inputs, now=utc_now(), client=client,
                max_bytes=env.settings.max_file_bytes, date=date, progress=bar,
            )
    finally:
        bar.close()


def echo_summary(summary: Summary, catalogue: Catalogue) -> None:
    click.echo(
        f"digests: {summary.new} new, {summary.known} known, {summary.replaced} replaced"
    )
    click.echo(f"items stored: {summary.items}")
    if summary.topics:
        click.echo("topics:")
        counts = catalogue.labelled_counts(summary.topics)
        width = max(len(label) for label, _ in counts)
        for label, count in counts:
            click.echo(f"  {label:<{width}}  {count:>4}")
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    if summary.errors:
        click.echo(f"errors: {len(summary.errors)}")
    for error in summary.errors:
        click.echo(f"error: {error}", err=True)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="PATH|URL...")
@click.option("--date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="File every digest under this date (YYYY-MM-DD).")
@click.pass_obj
def ingest(env: Env, inputs: tuple[str, ...], date: dt.datetime | None) -> None:
    """Ingest digest files, directories, web pages and RSS/Atom feeds."""
    summary = asyncio.run(run_ingest(env, inputs, date.date() if date else None))
    echo_summary(summary, env.catalogue())
    if summary.failed:
        raise click.exceptions.Exit(1)


# ---------------------------------------------------------------- parse and classify


def read_one(spec: str, settings: Settings) -> Source:
    """A file, '-' (stdin) or a URL, as one Source."""
    if spec == "-":
        text = sys.stdin.read()
        return Source(name="<stdin>", text=text)

    async def fetch() -> list[Source | FetchError]:
        async with new_client(settings) as client:
            return await read_input(spec, client, max_bytes=settings.max_file_bytes)

    found = asyncio.run(fetch())
    if len(found) != 1:
        raise CliError(f"{spec}: give one file, not a directory")
    if isinstance(found[0], FetchError):
        raise CliError(str(found[0]))
    return found[0]


def digest_json(digest: Digest, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "title": digest.title,
        "date": digest.date.isoformat() if digest.date else None,
        "author": digest.author,
        "publisher": digest.publisher,
        "url": digest.url,
        "format": digest.format,
        "tags": list(digest.tags),
        "sections": list(digest.sections),
        "items": [
            {
                "section": item.section,
                "headline": item.headline,
                "text": item.text,
                "sources": list(item.sources),
                "topics": list(classify(item_text(item), catalogue).topics),
            }
            for item in digest.items
        ],
        "warnings": list(digest.warnings),
    }


def echo_digest(data: dict[str, Any]) -> None:
    click.echo(f"title:     {data['title'] or '-'}")
    click.echo(f"date:      {data['date'] or '-'}")
    click.echo(f"author:    {data['author'] or '-'}")
    click.echo(f"publisher: {data['publisher'] or '-'}")
    if data["tags"]:
        click.echo(f"tags:      {', '.join(data['tags'])}")
    click.echo(f"{len(data['items'])} items in {len(data['sections'])} sections")
    section: str | None = None
    for number, item in enumerate(data["items"], start=1):
        if item["section"] != section and item["section"]:
            click.echo(f"\n== {item['section']}")
        section = item["section"]
        click.echo(f"{number:>3}. {item['headline']}")
        details = [", ".join(item["sources"]), ", ".join(item["topics"])]
        click.echo(f"     [{' | '.join(part or '-' for part in details)}]")
    for warning in data["warnings"]:
        click.echo(f"warning: {warning}", err=True)


@cli.command()
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print the parsed digest as JSON.")
@click.pass_obj
def parse(env: Env, file: str, as_json: bool) -> None:
    """Parse a digest file (or '-' for stdin, or a URL) and show it, without storing it."""
    source = read_one(file, env.settings)
    today = utc_now().date()
    parsed = [
        digest_json(
            parse_digest(doc.text, format=doc.format, url=doc.url, title=doc.title,
                         today=doc.feed_date or today),
            env.catalogue(),
        )
        for doc in documents(source)
    ]
    if as_json:
        # A feed parses to one digest per entry; a file or page to one digest.
        payload: Any = parsed if source.is_feed else parsed[0]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for number, data in enumerate(parsed):
        if number:
            click.echo("\n" + "-" * 60)
        echo_digest(data)


def classification_json(found: Classification, explain: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"topics": list(found.topics)}
    if explain:
        data["reasons"] = {slug: list(found.reasons.get(slug, ())) for slug in found.topics}
    return data


def classify_lines(lines: Iterable[str], catalogue: Catalogue, explain: bool) -> Iterator[str]:
    """JSONL in, JSONL out, one line per non-blank input line, in order."""
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError('expected an object with a "text" string')
        except ValueError as error:
            yield json.dumps({"topics": [], "error": f"bad input line: {error}"})
            continue
        found = classify(record["text"], catalogue)
        yield json.dumps(classification_json(found, explain), ensure_ascii=False)


@cli.command("classify")
@click.option("--json", "as_json", is_flag=True, help='Print {"topics": [...]}.')
@click.option("--explain", is_flag=True, help="Say which phrases matched each topic.")
@click.option("--jsonl", is_flag=True, help='One {"text": ...} per stdin line, one result each.')
@click.pass_obj
def classify_command(env: Env, as_json: bool, explain: bool, jsonl: bool) -> None:
    """Classify item text from stdin into catalogue topics."""
    stdin = sys.stdin
    catalogue = env.catalogue()
    if jsonl:
        for line in classify_lines(stdin, catalogue, explain):
            click.echo(line)
            sys.stdout.flush()  # a caller may be waiting for each answer on a pipe
        return
    found = classify(stdin.read(), catalogue)
    if as_json:
        click.echo(json.dumps(classification_json(found, explain), ensure_ascii=False))
        return
    for slug in found.topics:
        reasons = found.reasons.get(slug, ())
        click.echo(f"{slug}\t{', '.join(reasons)}" if explain and reasons else slug)


# ---------------------------------------------------------------- reading the store


def echo_items(items: Sequence[StoredItem]) -> None:
    for item in items:
        date = item.published.isoformat() if item.published else "----------"
        click.echo(f"{date}  {item.headline}")
        # Items without a headline of their own start with it: show only what follows.
        rest = item.text.removeprefix(item.headline).strip()
        if rest:
            click.echo(textwrap.indent(textwrap.shorten(rest, 280, placeholder=" …"), "    "))
        details = [part for part in (", ".join(item.sources), ", ".join(item.topics)) if part]
        if details:
            click.echo(f"    [{' | '.join(details)}]")


@cli.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.pass_obj
def search(env: Env, words: tuple[str, ...], limit: int) -> None:
    """Full-text search of stored items, newest first."""
    query = " ".join(words)
    items = env.store().search(query, limit=limit)
    if not items:
        click.echo(f"no items match {query!r}")
        return
    echo_items(items)


@cli.command()
@click.pass_obj
def topics(env: Env) -> None:
    """The topic catalogue with item counts (total and in the last 7 days)."""
    store, catalogue = env.store(), env.catalogue()
    total = store.topic_counts(topics=catalogue.slugs)
    week = store.topic_counts(since=utc_now() - dt.timedelta(days=7), topics=catalogue.slugs)
    rows = [(t.slug, t.label, str(total.get(t.slug, 0)), str(week.get(t.slug, 0)))
            for t in catalogue]
    header = ("slug", "label", "items", "this week")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  "
                   f"{row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}")


@cli.command()
@click.argument("topic", nargs=-1, required=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.pass_obj
def show(env: Env, topic: tuple[str, ...], limit: int) -> None:
    """Recent items on a catalogue topic (slug or label), or on any words (a search)."""
    name = " ".join(topic)
    store, catalogue = env.store(), env.catalogue()
    found = catalogue.resolve(name)
    if found is not None:
        items = store.items_on_topic(found.slug, limit=limit)
        click.echo(f"{found.label} ({found.slug}): {len(items)} recent items")
    else:
        items = store.search(name, limit=limit)
        click.echo(f"{name!r} (search): {len(items)} recent items")
    echo_items(items)
    if found is None and not items:
        suggestions = catalogue.suggest(name)
        if suggestions:
            labels = ", ".join(f"{t.label} ({t.slug})" for t in suggestions)
            click.echo(f"catalogue topics like it: {labels}")


# ---------------------------------------------------------------- running


def call(function: Any, *args: Any) -> Any:
    """Call a function that may be sync or async (the runner's choice, not ours)."""
    result = function(*args)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable


@cli.command()
@click.pass_obj
def run(env: Env) -> None:
    """Run the bot (long polling, or a webhook server if BRIEFINGS_WEBHOOK_URL is set)."""
    from bot.runner import run as run_bot  # lazy: the bot shell is not needed by other commands

    env.close()
    call(run_bot, env.settings)


@cli.command()
@click.pass_obj
def chat(env: Env) -> None:
    """Talk to the bot in this terminal: no token, no network."""
    from bot.chat import run_chat

    env.close()
    call(run_chat, env.settings)


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,  # `briefings bench --help` is the benchmark's own help
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Run the benchmark (arguments are passed through)."""
    from bench.__main__ import main as bench_main

    code = bench_main(list(args))
    if isinstance(code, int) and code:
        raise click.exceptions.Exit(code)


BOTFATHER_HELP = """\
No TELEGRAM_BOT_TOKEN yet, so the bot is not started. To run it in Telegram:
  1. talk to @BotFather (https://t.me/BotFather) and send /newbot;
  2. put the token it gives you in .env as TELEGRAM_BOT_TOKEN=...;
  3. run `briefings quickstart` (or `briefings run`) again.
Meanwhile `briefings chat` runs the same bot offline in this terminal."""


def echo_headlines(store: Store, stored: Sequence[tuple[int, str]], per_digest: int = 3) -> None:
    """A few items of each digest just stored (or of the latest ones, if all were known)."""
    shown = list(stored) or [(d.id, d.url or "") for d in store.latest_digests(limit=2)]
    for digest_id, name in shown:
        digest = store.get_digest(digest_id)
        if digest is None:
            continue
        title = digest.title or Path(name).name or f"digest {digest.id}"
        date = digest.date.isoformat() if digest.date else "undated"
        click.echo(f"\n{title} ({date}, {digest.item_count} items), for example:")
        for item in store.digest_items(digest_id)[:per_digest]:
            line = f"{item.section}: {item.headline}" if item.section else item.headline
            click.echo(f"  - {textwrap.shorten(line, 110, placeholder=' …')}")


@cli.command()
@click.option("--no-run", is_flag=True, help="Only ingest the samples; do not start the bot.")
@click.pass_obj
def quickstart(env: Env, no_run: bool) -> None:
    """Ingest the sample digests, show what was stored, then start the bot if there is a token."""
    if not EXAMPLES.is_dir():
        raise CliError(f"the sample digests are missing: {EXAMPLES}")
    click.echo(f"Ingesting the sample digests from {EXAMPLES} into {env.settings.db_path}")
    summary = asyncio.run(run_ingest(env, [str(EXAMPLES)], None))
    echo_summary(summary, env.catalogue())
    echo_headlines(env.store(), summary.stored)
    click.echo("")
    if summary.failed:
        raise click.exceptions.Exit(1)
    if no_run:
        click.echo("Try: briefings topics | briefings show sanctions | briefings chat")
        return
    if not env.settings.token:
        click.echo(BOTFATHER_HELP)
        return
    click.echo("Token found: starting the bot (Ctrl+C stops it).")
    from bot.runner import run as run_bot

    env.close()
    call(run_bot, env.settings)
