"""Traffic text as the inspector's widgets show it: neutralised, cut, never markup."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from pixelhelper.output.terminal import neutralise


def plain(value: Any, limit: int | None = None, style: str = "") -> Text:
    """Traffic text, safe: neutralised, cut with an ellipsis past `limit`, never markup."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = neutralise(text)
    if limit is not None and len(text) > limit:
        text = text[: max(1, limit - 1)] + "…"
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")
