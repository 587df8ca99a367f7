"""iu-cutter v0.6 — cuts a document into information units (IU).

The cutter plans a cut (discover -> cut plan), then executes it through an
orchestrator in one of two modes: DRYRUN (an in-memory simulator) or LIVE
(production writes). LIVE is guarded by the kill-switch below.
"""

__version__ = "0.6.0-O4-live-dryrun-orchestration"
__milestone__ = "O4"

# Kill-switch. While False, every Mode.LIVE path refuses before it touches
# anything. Flipping it is a sovereign decision (GAP7) and is never done by
# code, tests or deploy macros.
__execution_enabled__ = False


def execution_enabled() -> bool:
    """True only when the backing constant is literally True.

    Read at call time (not captured at import), so a probe always sees the
    value the running tree holds.
    """
    return globals().get("__execution_enabled__") is True


__all__ = ["__version__", "__milestone__", "__execution_enabled__", "execution_enabled"]
