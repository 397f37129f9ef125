"""The module namespace of a `mitmdump -s` script running the addon (`addons/tiktok_pixel.py`,
the proxy child's `mitmdump_entry.py`): its hooks, and the addons composed beside it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixelhelper.live.addon import PixelHelper

# Every mitmproxy hook PixelHelper implements (a test holds this to the class), and those of
# the connection guard, which the script's namespace names beside them.
SCRIPT_HOOKS = ("load", "configure", "running", "done", "requestheaders", "request", "response",
                "error")  # fmt: skip
GUARD_HOOKS = ("tls_clienthello", "tcp_start")


# Hook names mitmproxy warns about when an addon has them (removed or deprecated events).
_RETIRED_HOOKS = frozenset(
    {"clientconnect", "clientdisconnect", "serverconnect", "serverdisconnect", "add_log"}
)


def script_namespace(helper: PixelHelper) -> dict[str, Any]:
    """The module-level names of a `mitmdump -s` script that runs `helper`.

    For every hook of every flow mitmproxy looks the hook up on the script module, then its
    `addons`, and walks on into them. On Python 3.11 a name a module lacks is costly: the
    module formats an AttributeError message that `getattr(..., None)` then throws away (1.7
    us, against 0.06 us on an object), and a request passes through a dozen hooks. So the
    script names every hook mitmproxy has: the helper's own methods and the connection
    guard's, and None for the rest (mitmproxy skips a hook that is None), with an empty
    `addons`. The guard is an addon of its own, but composed here rather than in an `addons`
    list: mitmproxy walks into such a list for every hook of every flow, which cost 95 Python
    calls per request (7,945 against 7,850, cProfile). The parent watchdog runs from the
    helper's `running` and `done`. A hook a later mitmproxy adds is only looked up the slow
    way; nothing depends on this list being complete."""
    from mitmproxy import hooks

    names: dict[str, Any] = {name: None for name in hooks.all_hooks if name not in _RETIRED_HOOKS}
    names.update({name: getattr(helper, name) for name in SCRIPT_HOOKS})
    names.update({name: getattr(helper.connections, name) for name in GUARD_HOOKS})
    names["addons"] = []
    return names
