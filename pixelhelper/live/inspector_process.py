"""The live proxy's inspection process: pixel requests decoded and inspected off mitmproxy's core.

mitmproxy handles every flow on one event loop, in one process, and at full load that loop
is the proxy's bottleneck: decoding and inspecting a pixel hit in-process (a third of a
millisecond) cut its pixel throughput by a third. In observe mode nothing waits for the
verdict, so the addon copies each request that may be TikTok's (`snapshot`), sends it here
and forwards the flow at once. This process judges the request as the proxy would, runs the
same stateless half of the audit (`Audit.prepare`) and sends back the decoded events, packed
as the session's store holds them (`store.pack`: their facts and dumps, so the proxy neither
rebuilds nor re-encodes them), with their findings, in order; the addon records them into
the session.

Both sides speak length-prefixed pickles over a socket pair the addon creates: nothing is
reachable from outside the two processes. The process ends when the socket closes, which is
also what happens when the proxy dies. Run as `python -m pixelhelper.live.inspector_process
FD OPTIONS_JSON`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
import socket
import struct
import sys
from typing import Any

HEADER = struct.Struct("!Q")  # the length of the pickle that follows
# The process runs at this much lower priority than the proxy. On a busy machine (the user's
# browser, a build) it competes with the proxy for the CPU, and the proxy's flows are what the
# user waits on; a verdict a few milliseconds late only delays a line in the view. With a CPU
# hog beside them, 300 pixel requests/s in rotating 5 s segments: the addon's median latency
# 20.3 ms (plain mitmdump 2.8), 5.0 ms with the process niced, p99 43.5 vs 34.3 ms; on an
# idle machine the same (p99 15.40 vs 15.38 ms). At nice 10 it still gets a tenth of a
# contended core, about 250 hits a second, so it never starves.
NICENESS = 10


def read_frame(sock: socket.socket) -> bytes | None:
    """One frame, or None at end of stream."""
    header = _read_exactly(sock, HEADER.size)
    if header is None:
        return None
    body = _read_exactly(sock, HEADER.unpack(header)[0])
    if body is None:
        raise EOFError("the stream ended inside a frame")
    return body


def frame(value: Any) -> bytes:
    """A value as one frame."""
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = sock.recv(min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def serve(sock: socket.socket, options: dict[str, Any]) -> None:
    """Answer each batch of request snapshots (`snapshot`) with one result per snapshot, in
    order: `("ok", None)` for a request to no TikTok pixel host, `("ok", (kind, url,
    packed))` for one (`packed`: its events, as `store.pack` packs them, with their findings;
    none for an endpoint pixelhelper does not know), or `("error", text)` (the addon logs
    it; the proxy goes on)."""
    from pixelhelper.audit import Audit
    from pixelhelper.inspect import InspectOptions
    from pixelhelper.live import snapshot
    from pixelhelper.live.state import warm_up_request
    from pixelhelper.store import pack

    audit = Audit(InspectOptions(**options))
    audit.prepare(warm_up_request())
    gc.collect()
    gc.freeze()  # start-up objects: never walked again by a collection
    while (data := read_frame(sock)) is not None:
        results: list[tuple[str, Any]] = []
        for taken in pickle.loads(data):  # noqa: S301  (the proxy's own socket pair)
            try:
                seen = snapshot.read(taken)
                if seen is None:
                    results.append(("ok", None))
                    continue
                prepared = audit.prepare(seen.request) if seen.kind is not None else []
                packed = [(*pack(event), found) for event, found in prepared]
                results.append(("ok", (seen.kind, seen.url, packed)))
            except Exception as exc:
                results.append(("error", f"{type(exc).__name__}: {exc}"))
        sock.sendall(frame(results))


def main(argv: list[str]) -> int:
    sock = socket.socket(fileno=int(argv[0]))
    with contextlib.suppress(OSError):  # a sandbox may refuse; the process works unniced
        os.nice(NICENESS)
    with contextlib.suppress(OSError, EOFError, KeyboardInterrupt):  # the proxy went away
        serve(sock, json.loads(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
