"""v0.5-ratified leg-B and verify recorders for the M1 canonical cut.

RATIFIED: these recorders are pinned to the M1 Constitution cut and must stay
byte-identical (their WRITER_SPEC digest is regression-checked). They accept
exactly CONSTITUTION_N rows — the unit count of that one document — and are
therefore not usable for any other document. A generic path is a follow-up.
"""

from __future__ import annotations

import hashlib
import json
from typing import Dict, List

CONSTITUTION_N = 60
WRITER_SPEC = {
    "writer": "ledger_v2_canonical_cut",
    "legb_table": "cutter_governance.cut_change_set_affected_row",
    "verify_table": "cutter_governance.verify_result",
    "n": CONSTITUTION_N,
}
WRITER_DIGEST = hashlib.sha256(json.dumps(WRITER_SPEC, sort_keys=True).encode()).hexdigest()


class RecorderError(ValueError):
    pass


class LegBRecorder:
    def __init__(self) -> None:
        self.rows: List[Dict[str, str]] = []

    def record(self, change_set_ref: str, addresses: List[str]) -> int:
        if len(addresses) != CONSTITUTION_N:
            raise RecorderError(f"M1 leg-B expects exactly {CONSTITUTION_N} units, got {len(addresses)}")
        if len(set(addresses)) != len(addresses):
            raise RecorderError("duplicate unit in leg-B batch")
        for a in addresses:
            self.rows.append({"change_set_ref": change_set_ref, "table_name": "public.information_unit",
                              "row_ref": a, "action": "insert"})
        return len(addresses)


class VerifyRecorder:
    def __init__(self) -> None:
        self.results: List[Dict[str, object]] = []

    def record(self, change_set_ref: str, verified_units: int, passed: bool) -> Dict[str, object]:
        if verified_units != CONSTITUTION_N:
            raise RecorderError(f"M1 verify expects {CONSTITUTION_N} units, got {verified_units}")
        rec = {"change_set_ref": change_set_ref, "verifier": "cutter_verify",
               "result": "pass" if passed else "fail", "writer_digest": WRITER_DIGEST}
        self.results.append(rec)
        return rec
