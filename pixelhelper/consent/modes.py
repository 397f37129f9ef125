"""The consent modes and the states an event can be sent in."""

from __future__ import annotations

from typing import Literal

Mode = Literal["none", "reject", "accept", "gpc"]
MODES: tuple[Mode, ...] = ("none", "reject", "accept", "gpc")
STATES = ("no-choice", "rejected", "accepted", "gpc")
ACTIONS = ("none", "opted-out", "opted-in", "failed")
CHOICE_STATE = {"reject": "rejected", "accept": "accepted"}
AUTO_ACTION = {"reject": "optOut", "accept": "optIn"}
"""What autoconsent is asked to do once it finds a banner, per mode that acts."""


def parse_modes(text: str) -> tuple[Mode, ...]:
    """`none,reject,accept,gpc` -> the modes in the order given, each once.

    Raises:
        ValueError: an unknown or empty mode, naming the ones there are.
    """
    modes: list[Mode] = []
    for part in text.split(","):
        name = part.strip().lower()
        if name not in MODES:
            raise ValueError(
                f"unknown consent mode {part.strip()!r}: choose from {', '.join(MODES)}"
            )
        if name not in modes:
            modes.append(name)
    return tuple(modes)
