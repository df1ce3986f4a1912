"""Looking up modals and Home tabs (a mixin of `SlackWorkspace`)."""

from __future__ import annotations

import threading

from sandbox.slack.models import View


class ViewsMixin:
    """The views the bot opened or published, by id, external id or user."""

    lock: threading.RLock
    views: dict[str, View]
    home_views: dict[str, str]

    def find_view(self, view_id: str | None = None, external_id: str | None = None) -> View | None:
        """A view by id or by the bot's `external_id`."""
        with self.lock:
            if view_id:
                return self.views.get(view_id)
            if external_id:
                return next((v for v in self.views.values() if v.external_id == external_id), None)
            return None

    def home_view(self, user: str) -> View | None:
        """The Home tab `user` sees, if the bot published one."""
        with self.lock:
            view_id = self.home_views.get(user)
            return self.views.get(view_id) if view_id else None

    def open_views(self, user: str) -> list[View]:
        """The modal stack `user` sees, bottom first."""
        with self.lock:
            return [
                v for v in self.views.values() if v.user == user and v.is_open and v.type != "home"
            ]
