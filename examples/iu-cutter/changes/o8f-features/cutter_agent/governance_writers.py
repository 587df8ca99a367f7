"""F3: generic leg-B governance and verify writers, driven by per-run state.

The v0.5-ratified recorders (ledger_v2_canonical_cut) are pinned to one
document's unit count and stay byte-identical. These writers take every number
from the run's own RunState — how many units were planned, which were created,
which already existed — so they work for a cut of any size.

Both factories return callables with the signatures LiveExecutionAdapter
expects (governance_writer(conn, cut_id, records) and verify_writer(conn,
cut_id, result)); the adapter owns the transaction. plan_leg_b / plan_verify
return the statements without executing them, for review.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .state import RunState

Statement = Tuple[str, tuple]

INSERT_CHANGE_SET_SQL = (
    "INSERT INTO cutter_governance.cut_change_set (change_set_ref, status) VALUES (%s, 'proposed') RETURNING id")
INSERT_AFFECTED_ROW_SQL = (
    "INSERT INTO cutter_governance.cut_change_set_affected_row (change_set_id, table_name, row_ref, action) "
    "VALUES (%s, %s, %s, %s)")
SELECT_CHANGE_SET_SQL = "SELECT id, status FROM cutter_governance.cut_change_set WHERE change_set_ref = %s"
INSERT_VERIFY_SQL = (
    "INSERT INTO cutter_governance.verify_result (change_set_id, verifier, result, detail) VALUES (%s, %s, %s, %s)")
MARK_VERIFIED_SQL = (
    "UPDATE cutter_governance.cut_change_set SET status = 'verified' WHERE id = %s AND status = 'proposed'")

AFFECTED_TABLE = "public.information_unit"
KNOWN_STATUSES = ("created", "exists")


class GovernanceWriterError(ValueError):
    pass


def change_set_ref(state: RunState) -> str:
    return f"{state.document_code}:{state.cut_id}"


def check_records(state: RunState, cut_id: str, records: Sequence[Dict[str, Any]]) -> None:
    """The leg-B batch must describe exactly this run: same cut, every planned unit once, same statuses."""
    if cut_id != state.cut_id:
        raise GovernanceWriterError(f"records are for cut {cut_id!r}, the run state is cut {state.cut_id!r}")
    addresses = [r.get("canonical_address") for r in records]
    dupes = sorted({a for a in addresses if addresses.count(a) > 1})
    if dupes:
        raise GovernanceWriterError(f"duplicate units in leg-B batch: {', '.join(map(str, dupes))}")
    planned = [r.canonical_address for r in state.rows]
    if sorted(map(str, addresses)) != sorted(planned):
        missing = sorted(set(planned) - set(addresses))
        extra = sorted(set(map(str, addresses)) - set(planned))
        raise GovernanceWriterError(
            f"leg-B batch does not match the run's plan ({len(records)} records, {state.unit_count} planned; "
            f"missing {missing or 'none'}, unplanned {extra or 'none'})")
    for r in records:
        addr, status = r["canonical_address"], r.get("status")
        if status not in KNOWN_STATUSES:
            raise GovernanceWriterError(f"{addr}: unknown leg-A status {status!r}")
        if state.leg_a_status.get(addr) != status:
            raise GovernanceWriterError(
                f"{addr}: record says {status!r}, run state says {state.leg_a_status.get(addr)!r}")


def plan_leg_b(state: RunState, records: Sequence[Dict[str, Any]]) -> List[Tuple[str, Callable[[int], tuple]]]:
    """Affected-row statements (one per unit this run created); params need the change-set id."""
    check_records(state, state.cut_id, records)
    out = []
    for r in records:
        if r["status"] == "created":
            addr = r["canonical_address"]
            out.append((INSERT_AFFECTED_ROW_SQL, lambda cs_id, a=addr: (cs_id, AFFECTED_TABLE, a, "insert")))
    return out


def make_governance_writer(state: RunState) -> Callable[[Any, str, Sequence[Dict[str, Any]]], int]:
    def governance_writer(conn: Any, cut_id: str, records: Sequence[Dict[str, Any]]) -> int:
        check_records(state, cut_id, records)
        statements = plan_leg_b(state, records)
        cs_id = conn.execute(INSERT_CHANGE_SET_SQL, (change_set_ref(state),)).fetchone()[0]
        for sql, params in statements:
            conn.execute(sql, params(cs_id))
        state.leg_b_records = [dict(r) for r in records]
        return len(statements)

    return governance_writer


def verify_detail(state: RunState, result: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "cut_id": state.cut_id,
        "planned": state.unit_count,
        "created": len(state.created),
        "existing": sum(1 for s in state.leg_a_status.values() if s == "exists"),
        "problems": list(result.get("problems", [])),
    }


def plan_verify(state: RunState, result: Dict[str, Any], *, verifier: str = "cutter_verify") -> Statement:
    if result.get("result") not in ("pass", "fail"):
        raise GovernanceWriterError(f"verify result must be 'pass' or 'fail', got {result.get('result')!r}")
    if result.get("planned", state.unit_count) != state.unit_count:
        raise GovernanceWriterError(
            f"verify result counts {result.get('planned')} units, the run planned {state.unit_count}")
    if result["result"] == "pass" and (state.pending or result.get("problems")):
        raise GovernanceWriterError("refusing to record 'pass': the run state has pending units or problems")
    detail = json.dumps(verify_detail(state, result), sort_keys=True)
    return INSERT_VERIFY_SQL, (None, verifier, result["result"], detail)


def make_verify_writer(state: RunState, *, verifier: str = "cutter_verify") -> Callable[[Any, str, Dict[str, Any]], dict]:
    def verify_writer(conn: Any, cut_id: str, result: Dict[str, Any]) -> dict:
        if cut_id != state.cut_id:
            raise GovernanceWriterError(f"verify is for cut {cut_id!r}, the run state is cut {state.cut_id!r}")
        sql, params = plan_verify(state, result, verifier=verifier)
        found = conn.execute(SELECT_CHANGE_SET_SQL, (change_set_ref(state),)).fetchone()
        if found is None:
            raise GovernanceWriterError(f"no change set {change_set_ref(state)!r}: leg B was not recorded")
        cs_id = found[0]
        conn.execute(sql, (cs_id,) + params[1:])
        if result["result"] == "pass":
            conn.execute(MARK_VERIFIED_SQL, (cs_id,))
        state.verify_result = dict(result)
        return {"change_set_id": cs_id, "result": result["result"], "verifier": verifier}

    return verify_writer
