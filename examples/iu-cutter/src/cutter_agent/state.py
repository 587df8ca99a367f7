"""Per-run state of one cut (the orchestrator's live_state)."""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional

from .discover import CutplanRow
from .modes import Mode


@dataclasses.dataclass
class RunState:
    cut_id: str
    document_code: str
    mode: Mode
    rows: List[CutplanRow] = dataclasses.field(default_factory=list)
    leg_a_status: Dict[str, str] = dataclasses.field(default_factory=dict)
    leg_b_records: List[dict] = dataclasses.field(default_factory=list)
    verify_result: Optional[dict] = None

    def __post_init__(self) -> None:
        if not self.cut_id or "/" in self.cut_id or " " in self.cut_id:
            raise ValueError(f"cut_id {self.cut_id!r} must be a non-empty token without '/' or spaces")

    def record_leg_a(self, address: str, status: str) -> None:
        if address in self.leg_a_status:
            raise ValueError(f"leg A already recorded for {address}")
        self.leg_a_status[address] = status

    @property
    def created(self) -> List[str]:
        return [a for a, s in self.leg_a_status.items() if s == "created"]

    @property
    def pending(self) -> List[str]:
        return [r.canonical_address for r in self.rows if r.canonical_address not in self.leg_a_status]

    @property
    def unit_count(self) -> int:
        return len(self.rows)
