"""Verification of a cut: every planned unit reached a known leg-A status, exactly once."""

from __future__ import annotations

from typing import Dict, List

from .state import RunState

OK_STATUSES = ("created", "exists")


def verify_cut(state: RunState) -> Dict[str, object]:
    problems: List[str] = []
    planned = [r.canonical_address for r in state.rows]
    dupes = sorted({a for a in planned if planned.count(a) > 1})
    if dupes:
        problems.append("duplicate planned units: " + ", ".join(dupes))
    for addr in state.pending:
        problems.append(f"{addr}: no leg-A status")
    for addr, status in state.leg_a_status.items():
        if addr not in planned:
            problems.append(f"{addr}: status recorded for an unplanned unit")
        elif status not in OK_STATUSES:
            problems.append(f"{addr}: leg-A status {status!r}")
    return {
        "result": "pass" if not problems else "fail",
        "planned": len(planned),
        "created": len(state.created),
        "existing": sum(1 for s in state.leg_a_status.values() if s == "exists"),
        "problems": problems,
    }
