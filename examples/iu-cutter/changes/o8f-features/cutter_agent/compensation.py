"""GAP6: per-cut revert planner. Non-mutating: it builds plans, it never executes them.

Given the state of one cut and a read-only snapshot of the units' current
statuses, plan_revert() produces the statements that would undo that cut:

- soft revert (the default): a unit this cut created and that is still
  'draft' is set to 'retired' — never deleted; the UPDATE itself re-checks
  status = 'draft', so an enacted unit cannot be touched even by a stale plan;
- an append-only lifecycle-log row ('reverted') per unit;
- Compensation-B: a NEW governance change set '<document>:<cut>:compensation-b'
  with one 'retire' affected row per unit — the original change set is not
  edited;
- units the cut did not create ('exists') are never in the plan;
- units in review/enacted, or missing, put the plan on HOLD: reverting them is
  a sovereign decision, so the planner hands a HOLD bundle to a human instead.

Hard delete is not the default; it is only planned with hard_delete=True, and
such a plan is marked destructive. The rendered SQL text ends in ROLLBACK so
that running it unreviewed changes nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .state import RunState

SOFT_REVERT_SQL = ("UPDATE public.information_unit SET status = 'retired', updated_at = CURRENT_TIMESTAMP "
                   "WHERE canonical_address = %s AND status = 'draft'")
# Logged only if the soft revert really happened (a stale plan logs nothing).
REVERT_LOG_SQL = ("INSERT INTO public.iu_lifecycle_log (iu_id, event, actor, note) "
                  "SELECT id, 'reverted', %s, %s FROM public.information_unit "
                  "WHERE canonical_address = %s AND status = 'retired'")
COMPENSATION_B_CHANGE_SET_SQL = (
    "INSERT INTO cutter_governance.cut_change_set (change_set_ref, status) VALUES (%s, 'proposed')")
# Recorded only for a unit in the expected state ('retired' after a soft revert,
# still 'draft' just before a hard delete).
COMPENSATION_B_ROW_SQL = (
    "INSERT INTO cutter_governance.cut_change_set_affected_row (change_set_id, table_name, row_ref, action) "
    "SELECT cs.id, 'public.information_unit', iu.canonical_address, 'retire' "
    "FROM cutter_governance.cut_change_set cs JOIN public.information_unit iu ON iu.canonical_address = %s "
    "WHERE cs.change_set_ref = %s AND iu.status = %s")
HARD_DELETE_SQL = (
    ("DELETE FROM public.unit_version WHERE iu_id = "
     "(SELECT id FROM public.information_unit WHERE canonical_address = %s AND status = 'draft')"),
    ("DELETE FROM public.iu_lifecycle_log WHERE iu_id = "
     "(SELECT id FROM public.information_unit WHERE canonical_address = %s AND status = 'draft')"),
    "DELETE FROM public.information_unit WHERE canonical_address = %s AND status = 'draft'",
)

SNAPSHOT_COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM public.information_unit), (SELECT count(*) FROM public.unit_version), "
    "(SELECT count(*) FROM public.iu_lifecycle_log)")
SNAPSHOT_STATUS_SQL = "SELECT status FROM public.information_unit WHERE canonical_address = %s"

SOVEREIGN_STATUSES = ("review", "enacted")


class CompensationError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class PlannedStatement:
    step: int
    purpose: str
    sql: str
    params: Tuple[Any, ...]

    @property
    def destructive(self) -> bool:
        return self.sql.lstrip().upper().startswith("DELETE")


@dataclasses.dataclass
class RevertPlan:
    cut_id: str
    change_set_ref: str
    compensation_ref: str
    revert: List[str]
    untouched: List[str]
    already_retired: List[str]
    held: Dict[str, str]
    statements: List[PlannedStatement]
    hard_delete: bool = False

    @property
    def hold(self) -> bool:
        return bool(self.held)

    @property
    def destructive(self) -> bool:
        return any(s.destructive for s in self.statements)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["statements"] = [dataclasses.asdict(s) for s in self.statements]
        return d

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode("utf-8")).hexdigest()

    def to_sql_text(self) -> str:
        """A reviewable script. It ends in ROLLBACK: running it unreviewed changes nothing."""
        out = [f"-- PLAN ONLY: per-cut revert of {self.change_set_ref} (not executed by the planner)",
               f"-- plan_sha256 {self.digest()}",
               f"-- hold: {'YES — ' + '; '.join(f'{a}: {r}' for a, r in sorted(self.held.items())) if self.hold else 'no'}",
               f"-- destructive: {'YES (hard delete requested)' if self.destructive else 'no (soft revert)'}",
               "BEGIN;"]
        for s in self.statements:
            out.append(f"-- step {s.step}: {s.purpose}")
            out.append(render(s.sql, s.params) + ";")
        out.append("-- reviewed and approved? replace the ROLLBACK below with COMMIT by hand.")
        out.append("ROLLBACK;")
        return "\n".join(out) + "\n"


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def render(sql: str, params: Tuple[Any, ...]) -> str:
    parts = sql.split("%s")
    if len(parts) - 1 != len(params):
        raise CompensationError(f"{len(parts) - 1} placeholders but {len(params)} params")
    out = parts[0]
    for p, rest in zip(params, parts[1:]):
        out += sql_literal(p) + rest
    return out


def plan_revert(state: RunState, current_status: Mapping[str, Optional[str]], *, actor: str = "cutter_exec",
                reason: str = "per-cut revert", hard_delete: bool = False) -> RevertPlan:
    """The plan that would undo one cut. Takes no connection; executes nothing."""
    if not actor or not actor.replace("_", "").isalnum():
        raise CompensationError(f"actor {actor!r} must be a role name")
    if state.pending:
        raise CompensationError(f"cut {state.cut_id} is incomplete: {len(state.pending)} unit(s) without leg A")
    cs_ref = f"{state.document_code}:{state.cut_id}"
    comp_ref = f"{cs_ref}:compensation-b"
    created = [r.canonical_address for r in state.rows if state.leg_a_status.get(r.canonical_address) == "created"]
    untouched = [r.canonical_address for r in state.rows if state.leg_a_status.get(r.canonical_address) == "exists"]
    revert, retired, held = [], [], {}
    for addr in created:
        status = current_status.get(addr)
        if status is None:
            held[addr] = "not found in the snapshot"
        elif status == "draft":
            revert.append(addr)
        elif status == "retired":
            retired.append(addr)
        elif status in SOVEREIGN_STATUSES:
            held[addr] = f"status {status}: reverting it needs a sovereign decision"
        else:
            held[addr] = f"unknown status {status!r}"

    statements: List[PlannedStatement] = []

    def add(purpose: str, sql: str, params: Tuple[Any, ...]) -> None:
        statements.append(PlannedStatement(len(statements) + 1, purpose, sql, params))

    if revert:
        add("Compensation-B change set (append-only)", COMPENSATION_B_CHANGE_SET_SQL, (comp_ref,))
    note = f"{reason} of {cs_ref}"
    for addr in revert:
        if hard_delete:
            add(f"HARD DELETE versions of {addr}", HARD_DELETE_SQL[0], (addr,))
            add(f"HARD DELETE lifecycle log of {addr}", HARD_DELETE_SQL[1], (addr,))
        else:
            add(f"soft revert {addr} (draft -> retired)", SOFT_REVERT_SQL, (addr,))
            add(f"lifecycle log: reverted {addr}", REVERT_LOG_SQL, (actor, note, addr))
        add(f"Compensation-B affected row: retire {addr}", COMPENSATION_B_ROW_SQL,
            (addr, comp_ref, "draft" if hard_delete else "retired"))
        if hard_delete:
            add(f"HARD DELETE unit {addr}", HARD_DELETE_SQL[2], (addr,))
    return RevertPlan(state.cut_id, cs_ref, comp_ref, revert, untouched, retired, held, statements, hard_delete)


def snapshot_queries(addresses: Iterable[str]) -> List[Tuple[str, str, Tuple[Any, ...]]]:
    """Read-only queries whose answers a plan is made from (and re-checked against)."""
    out = [("row counts (information_unit, unit_version, iu_lifecycle_log)", SNAPSHOT_COUNTS_SQL, ())]
    out += [(f"status of {a}", SNAPSHOT_STATUS_SQL, (a,)) for a in addresses]
    return out


def read_snapshot(conn: Any, addresses: Iterable[str]) -> Dict[str, Any]:
    """Runs the snapshot queries (SELECT only) through a psycopg-v3-style connection."""
    statuses: Dict[str, Optional[str]] = {}
    counts: Tuple[int, ...] = ()
    for purpose, sql, params in snapshot_queries(addresses):
        if not sql.lstrip().upper().startswith("SELECT"):
            raise CompensationError(f"snapshot query is not read-only: {purpose}")
        row = conn.execute(sql, params if params else None).fetchone()
        if params:
            statuses[params[0]] = row[0] if row else None
        else:
            counts = tuple(int(x) for x in row)
    return {"counts": counts, "statuses": statuses}


def hold_bundle(plan: RevertPlan, snapshot: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """What a reviewer gets: HOLD with reasons, or READY with the plan's digest. JSON-serialisable."""
    return {
        "status": "HOLD" if plan.hold else "READY",
        "cut": plan.change_set_ref,
        "compensation_ref": plan.compensation_ref,
        "held": dict(sorted(plan.held.items())),
        "revert": list(plan.revert),
        "untouched": list(plan.untouched),
        "destructive": plan.destructive,
        "statements": len(plan.statements),
        "plan_sha256": plan.digest(),
        "snapshot": dict(snapshot) if snapshot else None,
        "next": ("route to a reviewer: held units need a sovereign decision" if plan.hold
                 else "review the plan text; apply only with explicit approval"),
    }
