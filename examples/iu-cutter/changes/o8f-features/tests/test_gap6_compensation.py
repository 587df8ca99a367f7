"""GAP6: the per-cut revert planner builds plans and executes nothing."""

import json
import os
import re
import unittest

from cutter_agent import compensation as comp
from cutter_agent.discover import discover
from cutter_agent.modes import Mode
from cutter_agent.state import RunState
from sqlite_iu import add_unit, counts, make_store
from support import ROOT

DOC = "".join(f"## Article {i} — A{i}\nText {i}.\n" for i in range(1, 6))
A = [f"ICX-T/ART-00{i}" for i in range(1, 6)]


def cut_state(existing=(A[4],)):
    rows = discover(DOC, "ICX-T")
    st = RunState(cut_id="cut-7", document_code="ICX-T", mode=Mode.LIVE, rows=rows)
    for r in rows:
        st.record_leg_a(r.canonical_address, "exists" if r.canonical_address in existing else "created")
    return st


SNAPSHOT = {A[0]: "draft", A[1]: "draft", A[2]: "enacted", A[3]: "retired", A[4]: "enacted"}


class Planner(unittest.TestCase):
    def test_draft_units_get_soft_revert_log_and_compensation_rows(self):
        plan = comp.plan_revert(cut_state(), SNAPSHOT)
        self.assertEqual(plan.revert, [A[0], A[1]])
        sqls = [s.sql for s in plan.statements]
        self.assertEqual(sqls.count(comp.SOFT_REVERT_SQL), 2)
        self.assertEqual(sqls.count(comp.REVERT_LOG_SQL), 2)
        self.assertEqual(sqls.count(comp.COMPENSATION_B_ROW_SQL), 2)
        self.assertEqual(sqls[0], comp.COMPENSATION_B_CHANGE_SET_SQL)
        self.assertEqual([s.step for s in plan.statements], list(range(1, len(sqls) + 1)))

    def test_no_hard_delete_by_default(self):
        plan = comp.plan_revert(cut_state(), SNAPSHOT)
        self.assertFalse(plan.destructive)
        self.assertFalse(any("DELETE" in s.sql.upper() for s in plan.statements))

    def test_hard_delete_only_on_request_and_marked_destructive(self):
        plan = comp.plan_revert(cut_state(), SNAPSHOT, hard_delete=True)
        self.assertTrue(plan.destructive)
        self.assertNotIn(comp.SOFT_REVERT_SQL, [s.sql for s in plan.statements])
        self.assertEqual(sum(s.destructive for s in plan.statements), 3 * len(plan.revert))
        self.assertIn("destructive: YES", plan.to_sql_text())

    def test_units_the_cut_did_not_create_are_never_planned(self):
        plan = comp.plan_revert(cut_state(), SNAPSHOT)
        self.assertEqual(plan.untouched, [A[4]])
        self.assertFalse(any(A[4] in s.params for s in plan.statements))

    def test_enacted_and_missing_units_put_the_plan_on_hold(self):
        snap = dict(SNAPSHOT)
        del snap[A[1]]
        plan = comp.plan_revert(cut_state(), snap)
        self.assertTrue(plan.hold)
        self.assertIn("sovereign", plan.held[A[2]])
        self.assertIn("not found", plan.held[A[1]])
        self.assertEqual(plan.already_retired, [A[3]])
        self.assertNotIn(A[2], plan.revert)

    def test_plan_is_deterministic_and_its_digest_tracks_the_snapshot(self):
        p1, p2 = comp.plan_revert(cut_state(), SNAPSHOT), comp.plan_revert(cut_state(), SNAPSHOT)
        self.assertEqual(p1.digest(), p2.digest())
        changed = comp.plan_revert(cut_state(), dict(SNAPSHOT, **{A[2]: "draft"}))
        self.assertNotEqual(p1.digest(), changed.digest())

    def test_compensation_b_is_append_only_on_governance(self):
        plan = comp.plan_revert(cut_state(), SNAPSHOT)
        for s in plan.statements:
            if "cutter_governance" in s.sql.split("SELECT")[0]:
                self.assertTrue(s.sql.startswith("INSERT INTO cutter_governance."), s.sql)
        self.assertEqual(plan.compensation_ref, "ICX-T:cut-7:compensation-b")

    def test_incomplete_cut_and_bad_actor_refused(self):
        st = RunState(cut_id="cut-8", document_code="ICX-T", mode=Mode.LIVE, rows=discover(DOC, "ICX-T"))
        with self.assertRaises(comp.CompensationError):
            comp.plan_revert(st, SNAPSHOT)
        with self.assertRaises(comp.CompensationError):
            comp.plan_revert(cut_state(), SNAPSHOT, actor="x; DROP TABLE y")

    def test_planner_takes_no_connection_and_executes_nothing(self):
        with open(os.path.join(ROOT, "cutter_agent", "compensation.py"), encoding="utf-8") as fh:
            src = fh.read()
        # The only execute() is read_snapshot's, which runs SELECTs only.
        self.assertEqual(len(re.findall(r"\.execute\(", src)), 1)
        self.assertNotIn("conn", comp.plan_revert.__code__.co_varnames)


class Rendering(unittest.TestCase):
    def test_sql_text_is_plan_only_and_ends_in_rollback(self):
        text = comp.plan_revert(cut_state(), SNAPSHOT).to_sql_text()
        self.assertTrue(text.startswith("-- PLAN ONLY"))
        self.assertEqual(text.strip().splitlines()[-1], "ROLLBACK;")
        self.assertNotIn("COMMIT;", text)
        self.assertIn(f"canonical_address = '{A[0]}'", text)

    def test_literals_are_quoted(self):
        self.assertEqual(comp.sql_literal("O'Brien"), "'O''Brien'")
        self.assertEqual(comp.render("SELECT %s, %s, %s", ("a'b", 3, None)), "SELECT 'a''b', 3, NULL")
        with self.assertRaises(comp.CompensationError):
            comp.render("SELECT %s", ())

    def test_hold_bundle(self):
        held = comp.hold_bundle(comp.plan_revert(cut_state(), SNAPSHOT))
        self.assertEqual(held["status"], "HOLD")
        self.assertIn(A[2], held["held"])
        json.dumps(held)
        ready = comp.hold_bundle(comp.plan_revert(cut_state(), {a: "draft" for a in A}), {"counts": [1, 2, 3]})
        self.assertEqual((ready["status"], ready["revert"]), ("READY", A[:4]))
        self.assertEqual(ready["snapshot"], {"counts": [1, 2, 3]})


class AgainstTheSandboxStore(unittest.TestCase):
    def setUp(self):
        self.db = make_store()
        for a, s in SNAPSHOT.items():
            if s != "retired":
                add_unit(self.db, a, status=s, versions=((a, "body", "draft" if s == "draft" else "enacted"),))
        self.db.execute("INSERT INTO cutter_governance.cut_change_set (change_set_ref, status) "
                        "VALUES ('ICX-T:cut-7', 'applied')")
        self.db.commit()

    def test_read_snapshot_is_select_only_and_changes_nothing(self):
        before = counts(self.db)
        snap = comp.read_snapshot(self.db, A)
        self.assertEqual(counts(self.db), before)
        self.assertEqual(snap["statuses"][A[0]], "draft")
        self.assertIsNone(snap["statuses"][A[3]])
        self.assertEqual(snap["counts"][0], 4)

    def test_applying_the_plan_in_a_rolled_back_transaction_retires_only_drafts(self):
        snap = comp.read_snapshot(self.db, A)["statuses"]
        plan = comp.plan_revert(cut_state(), snap)
        before = counts(self.db)
        with self.db.rollback_only():
            for s in plan.statements:
                self.db.execute(s.sql, s.params)
            status = dict(self.db.execute("SELECT canonical_address, status FROM public.information_unit").fetchall())
            self.assertEqual((status[A[0]], status[A[1]], status[A[2]]), ("retired", "retired", "enacted"))
            log = self.db.execute("SELECT count(*) FROM public.iu_lifecycle_log WHERE event = 'reverted'").fetchone()[0]
            self.assertEqual(log, 2)
            comp_rows = self.db.execute("SELECT action FROM cutter_governance.cut_change_set_affected_row").fetchall()
            self.assertEqual(comp_rows, [("retire",), ("retire",)])
            self.assertEqual(self.db.execute("SELECT status FROM cutter_governance.cut_change_set "
                                             "WHERE change_set_ref = 'ICX-T:cut-7'").fetchone()[0], "applied")
        self.assertEqual(counts(self.db), before)

    def test_stale_plan_cannot_retire_an_enacted_unit(self):
        # The plan was made when A[2] was draft; it has since been enacted.
        plan = comp.plan_revert(cut_state(), dict(SNAPSHOT, **{A[2]: "draft"}))
        with self.db.rollback_only():
            for s in plan.statements:
                self.db.execute(s.sql, s.params)
            self.assertEqual(self.db.execute("SELECT status FROM public.information_unit WHERE canonical_address = %s",
                                             (A[2],)).fetchone()[0], "enacted")
            # ...and neither the lifecycle log nor Compensation-B claims it was reverted
            logged = self.db.execute("SELECT iu.canonical_address FROM public.iu_lifecycle_log l JOIN "
                                     "public.information_unit iu ON iu.id = l.iu_id WHERE l.event = 'reverted'").fetchall()
            self.assertEqual(sorted(r[0] for r in logged), [A[0], A[1]])
            rows = self.db.execute("SELECT row_ref FROM cutter_governance.cut_change_set_affected_row").fetchall()
            self.assertEqual(sorted(r[0] for r in rows), [A[0], A[1]])

    def test_hard_delete_plan_removes_drafts_when_explicitly_applied(self):
        plan = comp.plan_revert(cut_state(), comp.read_snapshot(self.db, A)["statuses"], hard_delete=True)
        with self.db.rollback_only():
            for s in plan.statements:
                self.db.execute(s.sql, s.params)
            left = [r[0] for r in self.db.execute("SELECT canonical_address FROM public.information_unit").fetchall()]
            self.assertEqual(sorted(left), [A[2], A[4]])
            self.assertEqual(len(self.db.execute("SELECT id FROM cutter_governance.cut_change_set_affected_row")
                                 .fetchall()), 2)
        self.assertEqual(counts(self.db)["public.information_unit"], 4)


if __name__ == "__main__":
    unittest.main()
