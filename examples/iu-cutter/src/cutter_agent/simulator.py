"""DRYRUN simulator adapter: plays a cut against an in-memory store.

It has the same method names as a live adapter (cut_leg_a, leg_b_record,
write_verify) but never opens a connection and never touches a database.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from .discover import CutplanRow
from .modes import Mode


class DryRunSimulator:
    mode = Mode.DRYRUN
    simulated = True

    def __init__(self, existing: Optional[Dict[str, str]] = None):
        # canonical_address -> status of units that already "exist"
        self.store: Dict[str, str] = dict(existing or {})
        self.calls: List[str] = []
        self.leg_b: List[dict] = []
        self.verifies: List[dict] = []

    def cut_leg_a(self, row: CutplanRow, *, cut_id: str) -> str:
        self.calls.append(f"cut_leg_a:{row.canonical_address}")
        if row.canonical_address in self.store:
            return "exists"
        self.store[row.canonical_address] = "draft"
        return "created"

    def leg_b_record(self, cut_id: str, records: List[dict]) -> int:
        self.calls.append(f"leg_b_record:{cut_id}")
        self.leg_b.extend(dict(r, cut_id=cut_id) for r in records)
        return len(records)

    def write_verify(self, cut_id: str, result: dict) -> dict:
        self.calls.append(f"write_verify:{cut_id}")
        rec = dict(result, cut_id=cut_id, simulated=True)
        self.verifies.append(rec)
        return rec
