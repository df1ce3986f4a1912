"""The outbox sender (kept importable here; it lives in `bot.delivery`)."""

from bot.delivery import Budget, CardSource, Outbox

__all__ = ["Budget", "CardSource", "Outbox"]
