"""Bot admins: ingesting files, texts, URLs and source channel posts; /stats and feeds."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.fakeapi import FakeBotAPI
from bot.handlers.ingestion import PART_MIN, join_parts
from bot.settings import Settings
from briefings.store import Store
from tests.conftest import FIXTURES, SAMPLES
from tests.httpserver import HTTPServerFixture, http_server_fixture  # noqa: F401
from tests.updates import DATE, channel_post, document, message, send

ADMIN = 42
SAMPLE = (FIXTURES / SAMPLES[0]).read_bytes()
SAMPLE_TEXT = SAMPLE.decode("utf-8")


def from_admin(text: str, **extra: Any) -> Any:
    return message(text, chat_id=ADMIN, user_id=ADMIN, **extra)


async def test_an_admins_document_is_downloaded_ingested_and_reported(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.files["doc-1"] = SAMPLE

    await send(app, document("doc-1", "promote-ukraine.txt", chat_id=ADMIN, user_id=ADMIN))

    assert fake_api.sent("getFile")[0].params["file_id"] == "doc-1"
    assert store.digest_count() == 1
    text = fake_api.last().text
    count = store.item_count()
    assert f"<b>Stored</b> promote-ukraine.txt: {count} items in" in text
    assert "Topics: " in text and "Peace talks" in text

    await send(app, document("doc-1", "promote-ukraine.txt", chat_id=ADMIN, user_id=ADMIN))
    assert "Already known" in fake_api.last().text and store.digest_count() == 1


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("photo.jpg", b"\xff\xd8\xff\xe0", "not a digest file"),
        ("empty.txt", b"   \n", "empty"),
        ("binary.txt", b"\x00\x01\x02" * 100, "binary data"),
    ],
)
async def test_an_unusable_document_gets_a_clear_reason(
    app: Application, fake_api: FakeBotAPI, store: Store, name: str, content: bytes, reason: str
) -> None:
    fake_api.files["doc"] = content
    await send(app, document("doc", name, chat_id=ADMIN, user_id=ADMIN))
    text = fake_api.last().text
    assert text.startswith("Not stored:") and reason in text
    assert store.digest_count() == 0


async def test_a_document_over_the_size_limit_is_not_downloaded(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await send(app, document("big", "big.txt", file_size=50 * 1024 * 1024, chat_id=ADMIN,
                             user_id=ADMIN))
    assert "too big" in fake_api.last().text and not fake_api.sent("getFile")


async def test_a_non_admins_document_gets_a_polite_note_and_is_not_read(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.files["doc-1"] = SAMPLE
    await send(app, document("doc-1", "digest.txt", chat_id=5, user_id=5))
    assert "only read digest files from the bot's admins" in fake_api.last().text
    assert not fake_api.sent("getFile") and store.digest_count() == 0


async def test_an_admins_long_pasted_text_is_ingested(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, from_admin(SAMPLE_TEXT[:3000]))
    assert store.digest_count() == 1
    assert "<b>Stored</b> text:" in fake_api.last().text


def telegram_parts(text: str, limit: int = 4096) -> list[str]:
    """Cut a paste the way Telegram clients do: at the last newline before the limit, trimmed."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        parts.append(text[:cut].strip())
        text = text[cut:]
    return [*parts, text.strip()]


async def test_a_paste_cut_into_several_messages_is_one_digest(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    parts = telegram_parts(SAMPLE_TEXT)
    assert len(parts) == 3 and len(parts[-1]) < PART_MIN
    for part in parts:
        await send(app, from_admin(part))

    assert store.digest_count() == 1
    assert store.item_count() == 30  # as from the file: no story lost or cut at a seam
    (reply,) = fake_api.sent("sendMessage")
    assert "<b>Stored</b> text (3 messages joined): 30 items in 18 sections" in reply.text
    assert not app.job_queue.get_jobs_by_name(f"paste:{ADMIN}")  # type: ignore[union-attr]


async def test_a_long_paste_with_no_further_part_is_stored_when_the_wait_ends(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    first = telegram_parts(SAMPLE_TEXT)[0]
    await send(app, from_admin(first))
    assert store.digest_count() == 0 and not fake_api.sent("sendMessage")

    (waiting,) = app.job_queue.get_jobs_by_name(f"paste:{ADMIN}")  # type: ignore[union-attr]
    await waiting.run(app)
    assert store.digest_count() == 1
    assert "<b>Stored</b> text:" in fake_api.last().text
    await send(app, from_admin("sanctions"))  # the paste is over: a short text is a search again
    assert fake_api.last().text.startswith("🔎")


def test_the_seams_of_a_cut_paste_are_guessed_from_both_sides() -> None:
    assert join_parts(["The EU agreed.", "Kyiv said"]) == "The EU agreed.\n\nKyiv said"
    assert join_parts(["The EU agreed a new ", " package"]) == "The EU agreed a new package"
    assert join_parts(["Sanctions", "• New US sanctions"]) == "Sanctions\n• New US sanctions"
    assert join_parts(["Top stories", "2. Kherson"]) == "Top stories\n2. Kherson"


async def test_a_forwarded_text_is_filed_under_the_forward_date(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    channel = {"id": -1001, "type": "channel", "title": "Digests", "username": "digests"}
    short = "Sanctions\n\n  • The EU agreed a new sanctions package on Russia. (Reuters)"
    await send(app, from_admin(short, forward_date=DATE - 3 * 86400, forward_from_chat=channel))

    digest = store.latest_digests()[0]
    assert digest.date is not None and digest.date.isoformat() == "2023-11-03"
    assert digest.url == "https://t.me/digests/7"
    assert "<b>Stored</b>" in fake_api.last().text


async def test_a_non_admins_long_text_is_a_search_never_an_ingest(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message(SAMPLE_TEXT[:3000], chat_id=5, user_id=5))
    await send(app, message("short forwarded", chat_id=5, user_id=5, forward_date=DATE))
    assert store.digest_count() == 0
    assert all(call.text.startswith("🔎") for call in fake_api.sent("sendMessage"))


async def test_an_admins_short_text_is_still_a_search(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, from_admin("sanctions"))
    assert store.digest_count() == 0 and fake_api.last().text.startswith("🔎")


async def test_ingest_url_fetches_and_stores_a_page(
    app: Application, fake_api: FakeBotAPI, store: Store, http_server: HTTPServerFixture
) -> None:
    url = http_server.route("/digest.txt", SAMPLE_TEXT)

    await send(app, from_admin(f"/ingest {url}"))

    assert store.digest_count() == 1
    assert f"<b>Stored</b> 1 digest from {url}" in fake_api.last().text
    await send(app, from_admin(f"/ingest {url}"))
    assert "Already known: 1 digest" in fake_api.last().text


async def test_ingest_url_reports_a_failure_in_one_line(
    app: Application, fake_api: FakeBotAPI, store: Store, http_server: HTTPServerFixture
) -> None:
    url = http_server.url("/missing")
    await send(app, from_admin(f"/ingest {url}"))
    assert fake_api.last().text.startswith(f"Not stored: {url}: HTTP 404")


async def test_ingest_without_a_url_explains_usage(app: Application, fake_api: FakeBotAPI) -> None:
    await send(app, from_admin("/ingest digest.txt"))
    assert "Usage: <code>/ingest URL</code>" in fake_api.last().text


@pytest.mark.parametrize(
    "command", ["/ingest https://example.org", "/stats", "/feeds", "/addfeed https://e.org/rss",
                "/removefeed https://e.org/rss"],
)
async def test_non_admins_get_the_same_not_allowed_answer(
    app: Application, fake_api: FakeBotAPI, store: Store, command: str
) -> None:
    await send(app, message(command, chat_id=5, user_id=5))
    assert fake_api.last().text == "Sorry, that command is for the bot's admins."
    assert store.feeds() == []


async def test_stats(app: Application, fake_api: FakeBotAPI, ingested: list[Any]) -> None:
    await send(app, message("/start", chat_id=5, user_id=5))
    await send(app, message("/start", chat_id=6, user_id=6))
    await send(app, message("/pause", chat_id=6, user_id=6))

    await send(app, from_admin("/stats"))

    text = fake_api.last().text
    assert "Subscribers: 1 active, 1 paused, 0 gone" in text
    assert "Stored: 2 digests," in text and "Last ingest: 2023-11-06 06:00 UTC" in text


async def test_feeds_are_added_listed_and_removed(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, from_admin("/feeds"))
    assert "No feeds yet" in fake_api.last().text

    await send(app, from_admin("/addfeed https://example.org/feed.xml"))
    assert "Added https://example.org/feed.xml" in fake_api.last().text
    await send(app, from_admin("/addfeed https://example.org/feed.xml"))
    assert "already polled" in fake_api.last().text
    await send(app, from_admin("/feeds"))
    assert "https://example.org/feed.xml" in fake_api.last().text

    await send(app, from_admin("/removefeed https://example.org/feed.xml"))
    assert "Removed" in fake_api.last().text and store.feeds() == []
    await send(app, from_admin("/removefeed https://example.org/feed.xml"))
    assert "not among the feeds" in fake_api.last().text
    await send(app, from_admin("/addfeed example.org"))
    assert "is not a web address" in fake_api.last().text


@pytest.fixture
async def channel_app(
    settings: Settings, store: Store, fake_api: FakeBotAPI, clock: Any
) -> AsyncIterator[Application]:
    configured = dataclasses.replace(settings, source_channels=("@digests", "-1005"))
    application = build_application(configured, store, request=fake_api.request(), clock=clock)
    await application.initialize()
    yield application
    await application.shutdown()


async def test_a_source_channel_post_is_ingested_with_its_date_and_link(
    channel_app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.clear()
    await send(channel_app, channel_post(SAMPLE_TEXT, username="digests", message_id=77,
                                         date=DATE - 86400))

    digest = store.latest_digests()[0]
    assert digest.url == "https://t.me/digests/77"
    assert digest.date is not None and digest.date.isoformat() == "2023-11-05"  # the post's date
    assert digest.item_count > 10
    assert fake_api.calls == []  # nothing is posted to the channel


async def test_a_source_channel_is_also_matched_by_id_and_documents_are_read(
    channel_app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.files["chan-doc"] = SAMPLE
    await send(channel_app, channel_post(chat_id=-1005, username=None, document_id="chan-doc"))
    assert store.digest_count() == 1


async def test_posts_from_other_channels_are_ignored(
    channel_app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.clear()
    await send(channel_app, channel_post(SAMPLE_TEXT, chat_id=-1009, username="elsewhere"))
    assert store.digest_count() == 0 and fake_api.calls == []
