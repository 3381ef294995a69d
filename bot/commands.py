"""The one list of the bot's commands: /help, setMyCommands and the README all read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # one line, shown in /help and in Telegram's command menu
    admin: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", "Subscribe this chat and pick topics"),
    Command("topics", "Choose the topics you follow"),
    Command("subscribe", "Follow a topic or any words, e.g. /subscribe Black Sea Fleet"),
    Command("unsubscribe", "Stop following a topic or words"),
    Command("topic", "Latest news on a topic, e.g. /topic sanctions"),
    Command("latest", "The newest digest in brief"),
    Command("search", "Search all news, e.g. /search grain corridor"),
    Command("source", "Recent items from one outlet, e.g. /source Reuters"),
    Command("preview", "Show the briefing you would get now"),
    Command("time", "Set the briefing time, e.g. /time 07:30"),
    Command("timezone", "Set your timezone, e.g. /timezone Europe/Kyiv"),
    Command("days", "Send briefings daily or on weekdays only"),
    Command("pause", "Pause briefings"),
    Command("resume", "Resume briefings"),
    Command("settings", "See and change all settings"),
    Command("stop", "Unsubscribe and forget this chat"),
    Command("help", "All commands"),
    Command("ingest", "Fetch a page or feed and store it, e.g. /ingest https://…", admin=True),
    Command("stats", "Subscribers, items, digests, last ingest, feeds", admin=True),
    Command("feeds", "List the polled feeds", admin=True),
    Command("addfeed", "Poll a feed, e.g. /addfeed https://…/rss", admin=True),
    Command("removefeed", "Stop polling a feed", admin=True),
)


def public_commands() -> tuple[Command, ...]:
    return tuple(command for command in COMMANDS if not command.admin)


def admin_commands() -> tuple[Command, ...]:
    return tuple(command for command in COMMANDS if command.admin)
