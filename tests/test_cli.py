"""The `briefings` command through click's CliRunner, and once as the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlite_utils import Database

from bot.cli import cli
from briefings.digests import parse_digest
from briefings.store import Store
from tests.httpserver import HTTPServerFixture, http_server_fixture  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_0 = FIXTURES / "000_51635e4d9e4636c5.txt"
SAMPLE_1 = FIXTURES / "001_e037ba12bc8febe1.txt"
SAMPLES_DIR = Path(__file__).parent.parent / "examples" / "digests"  # the same two, alone
# Every setting a developer's shell might carry, so the tests see the defaults.
CLEAN_ENV = {
    "TELEGRAM_BOT_TOKEN": None,
    "BRIEFINGS_DB": None,
    "BRIEFINGS_CATALOGUE": None,
    "BRIEFINGS_MAX_FILE_MB": None,
    "BRIEFINGS_HTTP_TIMEOUT": "2",
    "BRIEFINGS_LOG_LEVEL": "WARNING",
}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    yield


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


def run(db: Path, *args: str, input: str | None = None, **env: str | None) -> Result:
    runner = CliRunner()
    return runner.invoke(cli, ["--db", str(db), *args], input=input, env={**CLEAN_ENV, **env})


def expected_items(*paths: Path) -> int:
    return sum(len(parse_digest(p.read_text(encoding="utf-8")).items) for p in paths)


def open_store(db: Path) -> Store:
    return Store(Database(db))


# ---------------------------------------------------------------- ingest


def test_ingesting_the_samples_prints_a_summary(db: Path) -> None:
    result = run(db, "ingest", str(SAMPLE_0), str(SAMPLE_1))
    assert result.exit_code == 0, result.output
    assert "digests: 2 new, 0 known, 0 replaced" in result.stdout
    assert f"items stored: {expected_items(SAMPLE_0, SAMPLE_1)}" in result.stdout
    assert "topics:" in result.stdout
    assert "Sanctions" in result.stdout  # labels, not slugs
    assert result.stderr == ""


def test_ingesting_again_says_known(db: Path) -> None:
    run(db, "ingest", str(SAMPLES_DIR))
    result = run(db, "ingest", str(SAMPLES_DIR))
    assert result.exit_code == 0
    assert "digests: 0 new, 2 known, 0 replaced" in result.stdout
    assert "items stored: 0" in result.stdout


def test_bad_inputs_are_one_line_errors_and_the_good_ones_are_stored(
    db: Path, tmp_path: Path, http_server: HTTPServerFixture
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    big = tmp_path / "big.txt"
    big.write_text("word " * 30_000, encoding="utf-8")  # 150 KB, over the 0.1 MB limit below
    missing = tmp_path / "missing.md"
    gone = http_server.url("/gone")
    slow = http_server.route("/slow", "late", delay=5)
    garbage = http_server.route("/garbage", bytes(range(256)) * 8, content_type="text/html")
    bad = [str(empty), str(binary), str(big), str(missing), gone, slow, garbage]

    result = run(db, "ingest", str(SAMPLE_0), *bad, str(SAMPLE_1),
                 BRIEFINGS_MAX_FILE_MB="0.1", BRIEFINGS_HTTP_TIMEOUT="0.2")

    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert len(errors) == len(bad), result.stderr
    for name in bad:
        assert len([line for line in errors if line.startswith(f"error: {name}: ")]) == 1, name
    assert "Traceback" not in result.output
    assert "digests: 2 new" in result.stdout
    assert f"errors: {len(bad)}" in result.stdout
    store = open_store(db)
    assert store.digest_count() == 2
    store.close()


def test_the_date_option_files_every_digest_under_that_date(db: Path) -> None:
    assert run(db, "ingest", "--date", "2023-10-30", str(SAMPLES_DIR)).exit_code == 0
    store = open_store(db)
    assert {d.date.isoformat() for d in store.latest_digests(5) if d.date} == {"2023-10-30"}
    store.close()
    bad = run(db, "ingest", "--date", "30/10/2023", str(SAMPLES_DIR))
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_more_than_five_digests_get_a_progress_bar(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(f"Section {n}\n\n• Item number {n} here. (Reuters)\n",
                                         encoding="utf-8")
    result = run(db, "ingest", str(folder))
    assert result.exit_code == 0
    assert "6/6" in result.stderr
    assert "digests: 6 new" in result.stdout


# ---------------------------------------------------------------- parse and classify


def test_parse_json_has_the_documented_shape(db: Path) -> None:
    result = run(db, "parse", str(SAMPLE_0), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"title", "date", "author", "publisher", "tags", "sections", "items", "warnings"} <= (
        data.keys()
    )
    assert len(data["items"]) == 30
    assert len(data["sections"]) == 18
    first = data["items"][0]
    assert set(first) == {"section", "headline", "text", "sources", "topics"}
    assert first["sources"] == ["NBC News", "Reuters"]
    assert "peace-talks" in first["topics"]
    assert not open_store(db).digest_count()  # parse stores nothing


def test_parse_without_json_is_a_readable_listing(db: Path) -> None:
    result = run(db, "parse", str(SAMPLE_0))
    assert result.exit_code == 0
    assert "30 items in 18 sections" in result.stdout
    assert "== North Korean Missiles in Russia" in result.stdout


def test_parse_of_a_missing_file_is_one_error_line(db: Path) -> None:
    result = run(db, "parse", "nope.txt", "--json")
    assert result.exit_code == 1
    assert result.stderr == "error: nope.txt: no such file or directory\n"


SANCTIONS_TEXT = "The US announced new sanctions against Russian banks and metals exporters."
STRIKES_TEXT = "A Russian drone attack struck power plants in Kharkiv overnight."


def test_classify_prints_slugs(db: Path) -> None:
    result = run(db, "classify", input=SANCTIONS_TEXT)
    assert result.exit_code == 0
    assert "sanctions" in result.stdout.split()
    as_json = json.loads(run(db, "classify", "--json", "--explain", input=SANCTIONS_TEXT).stdout)
    assert "sanctions" in as_json["topics"]
    assert as_json["reasons"]["sanctions"]


def test_classify_jsonl_answers_each_line_in_order(db: Path) -> None:
    lines = [
        json.dumps({"text": SANCTIONS_TEXT}),
        "{not json",
        json.dumps({"text": STRIKES_TEXT}),
        json.dumps(["no", "text"]),
        json.dumps({"text": "Weather was mild."}),
    ]
    result = run(db, "classify", "--jsonl", input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 5
    assert "sanctions" in answers[0]["topics"]
    assert answers[1]["topics"] == [] and "error" in answers[1]
    assert "strikes" in answers[2]["topics"]
    assert answers[3]["topics"] == [] and "error" in answers[3]
    assert answers[4] == {"topics": []}


# ---------------------------------------------------------------- reading the store


@pytest.fixture
def ingested(db: Path) -> Path:
    assert run(db, "ingest", str(SAMPLES_DIR)).exit_code == 0
    return db


def test_search_lists_matching_items(ingested: Path) -> None:
    result = run(ingested, "search", "sanction", "--limit", "3")
    assert result.exit_code == 0
    assert "sanctions" in result.stdout.lower()
    assert result.stdout.count("\n") >= 3
    nothing = run(ingested, "search", "zzzqqq")
    assert nothing.exit_code == 0 and "no items match" in nothing.stdout


@pytest.mark.parametrize("query", ['"', "NEAR(", "AND", "*", "🇺🇦"])
def test_search_with_odd_input_never_fails(ingested: Path, query: str) -> None:
    assert run(ingested, "search", query).exit_code == 0


def test_topics_lists_the_catalogue_with_counts(ingested: Path) -> None:
    result = run(ingested, "topics")
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split()[:3] == ["slug", "label", "items"]
    assert len(rows) == 19
    sanctions = next(row for row in rows if row.startswith("sanctions "))
    assert int(sanctions.split()[-2]) > 0


@pytest.mark.parametrize("name", ["sanctions", "Sanctions"])
def test_show_a_catalogue_topic_by_slug_or_label(ingested: Path, name: str) -> None:
    result = run(ingested, "show", name, "--limit", "2")
    assert result.exit_code == 0
    assert result.stdout.startswith("Sanctions (sanctions): 2 recent items")


def test_show_free_text_searches(ingested: Path) -> None:
    result = run(ingested, "show", "North", "Korea", "missiles")
    assert result.exit_code == 0
    assert "(search)" in result.stdout.splitlines()[0]


# ---------------------------------------------------------------- quickstart and the bot


@pytest.fixture
def fake_modules(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """bot.runner, bot.chat and bench.__main__ stand-ins that record how they were called."""
    calls: list[tuple[str, Any]] = []

    def recorder(name: str, result: Any = None) -> Any:
        def record(argument: Any) -> Any:
            calls.append((name, argument))
            return result

        return record

    runner = types.ModuleType("bot.runner")
    runner.run = recorder("run")  # type: ignore[attr-defined]
    chat = types.ModuleType("bot.chat")
    chat.run_chat = recorder("chat")  # type: ignore[attr-defined]
    bench = types.ModuleType("bench.__main__")
    bench.main = recorder("bench", 0)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.runner", runner)
    monkeypatch.setitem(sys.modules, "bot.chat", chat)
    monkeypatch.setitem(sys.modules, "bench.__main__", bench)
    return calls


TOKEN = "123456:" + "A" * 35


def test_quickstart_without_a_token_ingests_and_explains(
    db: Path, fake_modules: list[tuple[str, Any]]
) -> None:
    result = run(db, "quickstart")
    assert result.exit_code == 0, result.output
    assert "digests: 2 new" in result.stdout
    assert "Claims of Possible Future Peace Negotiations" in result.stdout
    assert "@BotFather" in result.stdout and "briefings chat" in result.stdout
    assert fake_modules == []
    again = run(db, "quickstart", "--no-run")
    assert "digests: 0 new, 2 known" in again.stdout


def test_quickstart_with_a_token_starts_the_bot(
    db: Path, fake_modules: list[tuple[str, Any]]
) -> None:
    result = run(db, "quickstart", TELEGRAM_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    assert "starting the bot" in result.stdout
    ((name, settings),) = fake_modules
    assert name == "run" and settings.db_path == db and settings.token == TOKEN


def test_quickstart_no_run_only_ingests(db: Path, fake_modules: list[tuple[str, Any]]) -> None:
    result = run(db, "quickstart", "--no-run", TELEGRAM_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0
    assert fake_modules == []


def test_run_chat_and_bench_call_their_modules(
    db: Path, fake_modules: list[tuple[str, Any]]
) -> None:
    assert run(db, "run", TELEGRAM_BOT_TOKEN=TOKEN).exit_code == 0
    assert run(db, "chat").exit_code == 0
    assert run(db, "bench", "--quick", "-n", "3").exit_code == 0
    assert [name for name, _ in fake_modules] == ["run", "chat", "bench"]
    assert fake_modules[2][1] == ["--quick", "-n", "3"]


def test_run_without_a_token_is_one_error_line(db: Path) -> None:
    result = run(db, "run")
    assert result.exit_code == 2  # the runner's "cannot start" code
    assert result.stderr.startswith("error: TELEGRAM_BOT_TOKEN is not set")
    assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------- the installed command


def test_the_installed_command_ingests_and_fails_cleanly(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "briefings"
    if not command.exists():
        pytest.skip("the briefings console script is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFINGS_", "TELEGRAM_"))}
    done = subprocess.run(
        [str(command), "--db", str(tmp_path / "e2e.db"), "ingest", str(SAMPLE_0), "missing.txt"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )
    assert done.returncode == 1
    assert "digests: 1 new, 0 known, 0 replaced" in done.stdout
    assert done.stderr.strip() == "error: missing.txt: no such file or directory"


def test_a_bad_setting_is_one_error_line(db: Path) -> None:
    result = run(db, "topics", BRIEFINGS_DEFAULT_TIME="25:99")
    assert result.exit_code == 1
    assert result.stderr == "error: default schedule: not a time of day: '25:99'\n"
