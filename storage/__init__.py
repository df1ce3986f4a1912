"""The bot's memory: one SQLite file behind `Store` (see `storage.store`)."""

from storage.store import Store

__all__ = ["Store"]
