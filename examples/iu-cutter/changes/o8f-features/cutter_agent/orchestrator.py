"""OrchestratorRunner: executes a cut plan leg by leg through an adapter.

Mode.DRYRUN runs through the DryRunSimulator and nothing else.
Mode.LIVE (O8A live wiring): the kill-switch is checked first; then the
adapter must pass require_live_adapter — a real LiveExecutionAdapter. Anything
else is refused. Mode.LIVE can reach the live adapter or fail closed; it can
never fall back to the simulator.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Optional

from .discover import CutplanRow
from .ledger import ActionLedger
from .live_execution import LiveExecutionAdapter, require_live_adapter
from .modes import LiveSeamRefused, Mode, parse_mode, refuse_if_killswitch_off
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
                 live_adapter: Optional[LiveExecutionAdapter] = None,
                 ledger: Optional[ActionLedger] = None):
        self.mode = parse_mode(mode)
        self.simulator = simulator if simulator is not None else DryRunSimulator()
        self.live_adapter = live_adapter
        self.ledger = ledger if ledger is not None else ActionLedger()

    def _adapter(self):
        if self.mode is Mode.DRYRUN:
            if not isinstance(self.simulator, DryRunSimulator):
                raise LiveSeamRefused(
                    f"refused: Mode.DRYRUN runs only through DryRunSimulator, got {type(self.simulator).__name__}")
            return self.simulator, "simulator"
        refuse_if_killswitch_off(Mode.LIVE, action="orchestrate cut")
        adapter = require_live_adapter(self.live_adapter)
        self.ledger.append("guard", "live_seam", adapter=type(adapter).__name__)
        return adapter, "live"

    def prepare(self, rows: Iterable[CutplanRow], *, cut_id: str, document_code: str) -> RunState:
        """The run's state before it starts — hand it to writers that are driven by it (F3)."""
        return RunState(cut_id=cut_id, document_code=document_code, mode=self.mode, rows=list(rows))

    def run(self, rows: Iterable[CutplanRow], *, cut_id: str, document_code: str,
            state: Optional[RunState] = None) -> RunResult:
        self.ledger.append("guard", "mode", mode=self.mode.value, cut_id=cut_id)
        adapter, kind = self._adapter()
        rows = list(rows)
        if state is None:
            state = self.prepare(rows, cut_id=cut_id, document_code=document_code)
        elif (state.cut_id, state.document_code, state.mode) != (cut_id, document_code, self.mode) \
                or state.rows != rows or state.leg_a_status:
            raise ValueError("a prepared state must be fresh and match this run's cut, document, mode and rows")
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
