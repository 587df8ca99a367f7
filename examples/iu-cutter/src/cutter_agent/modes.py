"""Execution modes and the kill-switch guard."""

from __future__ import annotations

import enum


class Mode(enum.Enum):
    LIVE = "live"
    DRYRUN = "dryrun"

    @property
    def mutates_production(self) -> bool:
        return self is Mode.LIVE


class KillSwitchOff(RuntimeError):
    """Raised when a Mode.LIVE action is attempted while execution is disabled."""

    def __init__(self, action: str = "live action"):
        self.action = action
        super().__init__(
            f"refused: {action} in Mode.LIVE while the kill-switch is OFF "
            "(cutter_agent.execution_enabled() is False)"
        )


def parse_mode(value: "str | Mode") -> Mode:
    """Accepts a Mode or its name/value, case-insensitive ('live', 'DRYRUN')."""
    if isinstance(value, Mode):
        return value
    if not isinstance(value, str):
        raise TypeError(f"mode must be a str or Mode, got {type(value).__name__}")
    key = value.strip().lower().replace("-", "").replace("_", "")
    for mode in Mode:
        if mode.value == key:
            return mode
    raise ValueError(f"unknown mode {value!r}; expected one of: live, dryrun")


def refuse_if_killswitch_off(mode: Mode, action: str = "live action") -> None:
    """Raises KillSwitchOff for Mode.LIVE while the kill-switch is off.

    A no-op for Mode.DRYRUN. The switch is read at call time.
    """
    mode = parse_mode(mode)
    if mode is Mode.DRYRUN:
        return
    from . import execution_enabled  # late: always the current value

    if not execution_enabled():
        raise KillSwitchOff(action)
