"""Settings: the environment overrides `.env`, which overrides the defaults; the token stays
out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_API_BASE, Settings, SettingsError

TOKEN = "123456:AAHsecretsecretsecretsecretsecretx"


def test_defaults_without_environment_or_file() -> None:
    settings = Settings.from_env({}, env_file=None)
    assert settings.token == "" and settings.api_base_url == DEFAULT_API_BASE
    assert (settings.default_time, settings.default_timezone) == ("08:00", "UTC")
    assert settings.admin_ids == frozenset() and settings.source_channels == ()
    assert settings.webhook_url == "" and settings.db_path == Path("briefings.db")


def test_the_environment_overrides_the_env_file_which_overrides_defaults(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport BRIEFINGS_DEFAULT_TIME='07:30'\nBRIEFINGS_ADMIN_IDS=1, 2\n"
        'BRIEFINGS_DEFAULT_TIMEZONE="Europe/Kyiv"\n',
        encoding="utf-8",
    )
    settings = Settings.from_env({"BRIEFINGS_ADMIN_IDS": "42"}, env_file=env_file)
    assert settings.default_time == "07:30" and settings.default_timezone == "Europe/Kyiv"
    assert settings.admin_ids == frozenset({42})


def test_lists_are_comma_separated() -> None:
    settings = Settings.from_env(
        {"BRIEFINGS_SOURCE_CHANNELS": "@digests, -1001234 ,", "BRIEFINGS_ADMIN_IDS": "7,8"},
        env_file=None,
    )
    assert settings.source_channels == ("@digests", "-1001234")
    assert settings.admin_ids == frozenset({7, 8})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BRIEFINGS_ADMIN_IDS", "alice", "BRIEFINGS_ADMIN_IDS"),
        ("BRIEFINGS_DEFAULT_TIME", "25:00", "default schedule"),
        ("BRIEFINGS_DEFAULT_TIMEZONE", "Mars/Base", "default schedule"),
        ("BRIEFINGS_POLL_MINUTES", "often", "BRIEFINGS_POLL_MINUTES"),
        ("BRIEFINGS_CATCH_UP", "-1", "BRIEFINGS_CATCH_UP"),
    ],
)
def test_a_bad_setting_is_named(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value}, env_file=None)


def test_the_token_is_never_in_the_repr() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert settings.token == TOKEN and settings.require_token() == TOKEN
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)


@pytest.mark.parametrize(
    ("token", "message"),
    [("", "not set"), ("123:abc", "malformed"), ("bot123456:AAA", "malformed")],
)
def test_require_token_explains_what_is_wrong_without_showing_it(token: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        Settings(token=token).require_token()
    assert not token or token not in str(raised.value)


@pytest.mark.parametrize(
    ("base", "files"),
    [
        (DEFAULT_API_BASE, "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081/file/bot"),
    ],
)
def test_the_file_url_follows_the_api_url(base: str, files: str) -> None:
    settings = Settings.from_env({"TELEGRAM_API_BASE_URL": base}, env_file=None)
    assert settings.api_file_url == files


def test_webhook_settings() -> None:
    settings = Settings.from_env(
        {"BRIEFINGS_WEBHOOK_URL": "https://bot.example.org/hook", "BRIEFINGS_WEBHOOK_PORT": "88",
         "BRIEFINGS_WEBHOOK_SECRET": "s3cret"},
        env_file=None,
    )
    assert settings.webhook_url == "https://bot.example.org/hook" and settings.webhook_port == 88
    assert "s3cret" not in repr(settings)
