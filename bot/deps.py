"""The bot's dependencies, built once and handed to every handler (never via Bolt's context)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.approval_service import ApprovalService
from bot.butterbase import ButterbaseClient
from bot.cards import CardRenderer
from bot.clock import Clock
from bot.directory import Directory
from bot.outbox import Outbox
from bot.regions import RegionCache
from bot.settings import Settings
from bot.tracker import Tracker
from storage.store import Store


@dataclass(frozen=True)
class Deps:
    settings: Settings
    store: Store
    butterbase: ButterbaseClient
    clock: Clock
    slack: AsyncWebClient
    outbox: Outbox
    tracker: Tracker
    regions: RegionCache
    directory: Directory
    cards: CardRenderer
    approvals: ApprovalService | None = None  # reverse/teardown requests and decisions
