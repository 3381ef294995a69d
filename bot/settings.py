"""Settings: the environment overrides `.env`, which overrides the defaults. Read once, in main().

Every setting is declared once in `FIELDS`; `.env.example` is generated from the same table and a
test keeps the two in step.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from briefings.schedule import ScheduleError, parse_time, parse_timezone

DEFAULT_API_BASE = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")


class SettingsError(ValueError):
    """A setting that is missing or malformed; the message names it and never shows the token."""


@dataclass(frozen=True)
class Field:
    env: str
    default: str
    meaning: str


FIELDS: tuple[Field, ...] = (
    Field("TELEGRAM_BOT_TOKEN", "", "Bot token from @BotFather; needed only by `briefings run`."),
    Field("TELEGRAM_API_BASE_URL", DEFAULT_API_BASE,
          "Bot API base URL (e.g. a self-hosted telegram-bot-api); the file URL follows it."),
    Field("BRIEFINGS_DB", "briefings.db", "Path of the SQLite database file."),
    Field("BRIEFINGS_CATALOGUE", "", "Topic catalogue file (Markdown table); empty: the default."),
    Field("BRIEFINGS_ADMIN_IDS", "", "Comma-separated Telegram user ids allowed admin commands."),
    Field("BRIEFINGS_SOURCE_CHANNELS", "",
          "Comma-separated channels (@username or id) whose posts are ingested as digests."),
    Field("BRIEFINGS_DEFAULT_TIME", "08:00", "Default local delivery time (HH:MM)."),
    Field("BRIEFINGS_DEFAULT_TIMEZONE", "UTC", "Default timezone (IANA name or +HH:MM)."),
    Field("BRIEFINGS_CATCH_UP", "6",
          "Hours: a briefing overdue by less than this after downtime is still sent."),
    Field("BRIEFINGS_PAID_BROADCAST", "0",
          "1: use allow_paid_broadcast, raising the overall limit to 1,000 messages/s."),
    Field("BRIEFINGS_FEEDS", "", "Comma-separated RSS/Atom feeds or pages to poll."),
    Field("BRIEFINGS_POLL_MINUTES", "30", "Minutes between feed polls."),
    Field("BRIEFINGS_MAX_FILE_MB", "10", "Largest digest file or page accepted, in MB."),
    Field("BRIEFINGS_HTTP_TIMEOUT", "20", "Seconds before fetching a page or feed gives up."),
    Field("BRIEFINGS_BRIEFING_BUDGET", "3500",
          "Characters of entries per briefing before the rest go behind 'More on' buttons."),
    Field("BRIEFINGS_WEBHOOK_URL", "",
          "Public HTTPS URL: run as a webhook server instead of polling."),
    Field("BRIEFINGS_WEBHOOK_LISTEN", "127.0.0.1", "Address the webhook server listens on."),
    Field("BRIEFINGS_WEBHOOK_PORT", "8443", "Port the webhook server listens on."),
    Field("BRIEFINGS_WEBHOOK_SECRET", "", "Secret token Telegram sends with each webhook call."),
    Field("BRIEFINGS_LOG_LEVEL", "INFO", "Logging level (DEBUG, INFO, WARNING, ERROR)."),
)


def _ids(text: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in _items(text))
    except ValueError as error:
        raise SettingsError(f"BRIEFINGS_ADMIN_IDS must be numeric user ids: {error}") from None


def _items(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _flag(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


def _number(values: Mapping[str, str], name: str, kind: type[int] | type[float]) -> float:
    try:
        number = kind(values[name])
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {values[name]!r}") from None
    if number < 0:
        raise SettingsError(f"{name} must not be negative")
    return number


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines; '#' comments; optional quotes. Missing file: empty."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


@dataclass(frozen=True)
class Settings:
    token: str = field(default="", repr=False)
    api_base_url: str = DEFAULT_API_BASE
    db_path: Path = Path("briefings.db")
    catalogue_path: Path | None = None
    admin_ids: frozenset[int] = frozenset()
    source_channels: tuple[str, ...] = ()
    default_time: str = "08:00"
    default_timezone: str = "UTC"
    catch_up_hours: float = 6.0
    paid_broadcast: bool = False
    feeds: tuple[str, ...] = ()
    poll_minutes: float = 30.0
    max_file_bytes: int = 10 * 1024 * 1024
    http_timeout: float = 20.0
    briefing_budget: int = 3500
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = field(default="", repr=False)
    log_level: str = "INFO"

    @property
    def api_file_url(self) -> str:
        """The file URL follows the API URL: .../bot -> .../file/bot."""
        base = self.api_base_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}" if head else f"{base}/file"

    def require_token(self) -> str:
        if not self.token:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: get one from @BotFather, put it in .env, "
                "or try the bot offline with `briefings chat`"
            )
        if not _TOKEN.match(self.token):
            raise SettingsError("TELEGRAM_BOT_TOKEN is malformed (expected 123456:ABC...)")
        return self.token

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        values = {f.env: f.default for f in FIELDS}
        if env_file is not None:
            values.update(read_env_file(env_file))
        env = os.environ if environ is None else environ
        values.update({key: env[key] for key in values if key in env})
        return cls._build(values)

    @classmethod
    def _build(cls, values: dict[str, str]) -> Settings:
        try:
            time = parse_time(values["BRIEFINGS_DEFAULT_TIME"])
            timezone = parse_timezone(values["BRIEFINGS_DEFAULT_TIMEZONE"])
        except ScheduleError as error:
            raise SettingsError(f"default schedule: {error}") from None
        catalogue = values["BRIEFINGS_CATALOGUE"].strip()
        return cls(
            token=values["TELEGRAM_BOT_TOKEN"].strip(),
            api_base_url=values["TELEGRAM_API_BASE_URL"].strip() or DEFAULT_API_BASE,
            db_path=Path(values["BRIEFINGS_DB"]),
            catalogue_path=Path(catalogue) if catalogue else None,
            admin_ids=_ids(values["BRIEFINGS_ADMIN_IDS"]),
            source_channels=_items(values["BRIEFINGS_SOURCE_CHANNELS"]),
            default_time=time,
            default_timezone=timezone,
            catch_up_hours=_number(values, "BRIEFINGS_CATCH_UP", float),
            paid_broadcast=_flag(values["BRIEFINGS_PAID_BROADCAST"]),
            feeds=_items(values["BRIEFINGS_FEEDS"]),
            poll_minutes=max(1.0, _number(values, "BRIEFINGS_POLL_MINUTES", float)),
            max_file_bytes=int(_number(values, "BRIEFINGS_MAX_FILE_MB", float) * 1024 * 1024),
            http_timeout=_number(values, "BRIEFINGS_HTTP_TIMEOUT", float),
            briefing_budget=int(_number(values, "BRIEFINGS_BRIEFING_BUDGET", int)),
            webhook_url=values["BRIEFINGS_WEBHOOK_URL"].strip(),
            webhook_listen=values["BRIEFINGS_WEBHOOK_LISTEN"].strip(),
            webhook_port=int(_number(values, "BRIEFINGS_WEBHOOK_PORT", int)),
            webhook_secret=values["BRIEFINGS_WEBHOOK_SECRET"].strip(),
            log_level=values["BRIEFINGS_LOG_LEVEL"].strip().upper() or "INFO",
        )


def env_example() -> str:
    """The text of `.env.example`, from `FIELDS`."""
    lines = ["# Every setting of the briefings bot, with its default. Copy to .env and edit.", ""]
    for f in FIELDS:
        lines.append(f"# {f.meaning}")
        lines.append(f"{f.env}={f.default}")
        lines.append("")
    return "\n".join(lines)
