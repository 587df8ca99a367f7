"""OrchestratorRunner: executes a cut plan leg by leg through an adapter.

O4 status: Mode.DRYRUN runs through the DryRunSimulator. Mode.LIVE is refused
while the kill-switch is OFF; there is no live adapter yet, so with the switch
ON the runner would fall back to the simulator (a known gap, logged in the
ledger as 'live_unwired_fallback') — the live seam is wired later.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Optional

from .discover import CutplanRow
from .ledger import ActionLedger
from .modes import Mode, parse_mode, refuse_if_killswitch_off
from .simulator import DryRunSimulator
from .state import RunState
from .verify import verify_cut


@dataclasses.dataclass
class RunResult:
    mode: Mode
    cut_id: str
    adapter_kind: str
    state: RunState
    verify: dict
    production_mutation: str


class OrchestratorRunner:
    def __init__(self, mode, *, simulator: Optional[DryRunSimulator] = None,
                 ledger: Optional[ActionLedger] = None):
        self.mode = parse_mode(mode)
        self.simulator = simulator if simulator is not None else DryRunSimulator()
        self.ledger = ledger if ledger is not None else ActionLedger()

    def _adapter(self):
        if self.mode is Mode.DRYRUN:
            return self.simulator, "simulator"
        refuse_if_killswitch_off(Mode.LIVE, action="orchestrate cut")
        # O4: no live adapter exists yet.
        self.ledger.append("guard", "live_unwired_fallback", reason="no live adapter wired (O4)")
        return self.simulator, "simulator"

    def run(self, rows: Iterable[CutplanRow], *, cut_id: str, document_code: str) -> RunResult:
        self.ledger.append("guard", "mode", mode=self.mode.value, cut_id=cut_id)
        adapter, kind = self._adapter()
        state = RunState(cut_id=cut_id, document_code=document_code, mode=self.mode, rows=list(rows))
        entry_kind = "simulated" if kind == "simulator" else "db_write"
        for row in state.rows:
            status = adapter.cut_leg_a(row, cut_id=cut_id)
            state.record_leg_a(row.canonical_address, status)
            self.ledger.append(entry_kind, "cut_leg_a", address=row.canonical_address, status=status)
        records = [
            {"canonical_address": r.canonical_address, "status": state.leg_a_status[r.canonical_address],
             "content_sha256": r.content_sha256}
            for r in state.rows
        ]
        adapter.leg_b_record(cut_id, records)
        state.leg_b_records = records
        self.ledger.append(entry_kind, "leg_b_record", records=len(records))
        result = verify_cut(state)
        adapter.write_verify(cut_id, result)
        state.verify_result = result
        self.ledger.append(entry_kind, "write_verify", result=result["result"])
        return RunResult(self.mode, cut_id, kind, state, result, self.ledger.production_mutation())
