"""End the proxy when `pixelhelper live` is gone (killed, or its terminal closed), wherever
the kernel's parent-death signal does not reach (not Linux). Shaped as a mitmproxy addon
(`running`, `done`); the helper runs it from its own hooks."""

from __future__ import annotations

import asyncio
import logging
import os

from mitmproxy import ctx

log = logging.getLogger("pixelhelper")


class ParentWatchdog:
    """Watches `pixelhelper_parent_pid` (set by `pixelhelper live`; 0: nothing to watch)."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def running(self) -> None:
        parent = ctx.options.pixelhelper_parent_pid
        if parent > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._watch(parent))

    def done(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    @staticmethod
    async def _watch(parent: int) -> None:
        while os.getppid() == parent:
            await asyncio.sleep(1)
        log.warning("pixelhelper: the parent process ended; shutting the proxy down")
        ctx.master.shutdown()
