"""The real bot (`Runtime` and its HTTP endpoint) in a thread and event loop of its own,
which a test can kill at any moment and start again on the same store file.

A kill is what SIGKILL does to the process, at the granularity of the event loop: in one
callback the scheduler's timers are dropped and every task is cancelled, so no code of the
bot runs after it but `finally` blocks unwinding (nothing is shut down gracefully, nothing
is marked sent). Only then are its sockets and store connection closed, as the operating
system would, and a new `Runtime` can open the same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import uvicorn

from bot.runtime import Runtime
from sandbox.server import free_port
from tests.e2e.harness import World


class KillableBot:
    """Start, kill, start again: a new `Runtime` each time, on the world's store file."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.runtime: Runtime | None = None
        self.url = ""
        self.starts = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    def start(self, timeout: float = 10.0) -> Runtime:
        """A fresh process of the bot; returns once it listens and its jobs run."""
        assert self._thread is None, "kill() first"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        pacing = self.world.pacing()
        self.runtime = Runtime(
            self.world.settings,
            post_interval=pacing["post_interval"],
            slack_time_scale=pacing["slack_time_scale"],
            min_read_gap=pacing["min_read_gap"],
        )
        self._ready.clear()
        self._failure = None
        self._thread = threading.Thread(
            target=self._run, args=(self.runtime, port), name=f"bot:{port}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout) or self._failure is not None:
            raise AssertionError(f"the bot did not start: {self._failure!r}")
        self.starts += 1
        return self.runtime

    def kill(self, timeout: float = 10.0) -> None:
        """Stop the bot dead (see the module's docstring); its resources are then freed."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(self._die)
        thread.join(timeout)
        assert not thread.is_alive(), "the killed bot's thread did not end"
        self._thread = self._loop = None
        self.runtime = None

    def _run(self, runtime: Runtime, port: int) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(self._main(runtime, port))

    async def _main(self, runtime: Runtime, port: int) -> None:
        self._loop = asyncio.get_running_loop()
        config = uvicorn.Config(
            runtime.web, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        try:
            await runtime.start()  # what the lifespan does; its shutdown never runs
            serving = asyncio.create_task(server.serve())
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.005)
            self._ready.set()
            await serving
        except BaseException as exc:
            if not self._ready.is_set():
                self._failure = exc
                self._ready.set()
            raise
        finally:
            await self._bury(runtime, server)

    def _die(self) -> None:
        """In the bot's loop, in one go: no timer fires and no task goes on after this."""
        runtime = self.runtime
        assert runtime is not None
        scheduler = runtime._scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        # flags only, no work: Python 3.11's `asyncio.wait_for` can swallow a cancellation
        # that coincides with its wake-up, and the outbox's loop would then go on sending
        runtime.outbox.stop()
        runtime.tracker.stop()
        for task in asyncio.all_tasks():
            task.cancel()

    @staticmethod
    async def _bury(runtime: Runtime, server: uvicorn.Server) -> None:
        """What the OS frees when a process dies: its tasks' unwinding, sockets, the file."""
        for listening in getattr(server, "servers", []):
            listening.close()
        current = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if runtime.slack.session is not None:
            await runtime.slack.session.close()
        await runtime.butterbase.aclose()
        runtime.store.close()
