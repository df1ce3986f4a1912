"""Delivery to Slack: the outbox, spent within one workspace budget."""

from bot.delivery.budget import Budget
from bot.delivery.outbox import Outbox
from bot.delivery.sends import CardSource

__all__ = ["Budget", "CardSource", "Outbox"]
