"""F3: generic leg-B / verify writers driven by per-run state (no hard-coded unit count)."""

import hashlib
import json
import os
import re
import types
import unittest

from cutter_agent import governance_writers as gw
from cutter_agent import ledger_v2_canonical_cut as v2
from cutter_agent.discover import discover
from cutter_agent.ledger import ActionLedger
from cutter_agent.live_execution import FN_IU_CREATE_SQL, LiveExecutionAdapter
from cutter_agent.modes import Mode
from cutter_agent.orchestrator import OrchestratorRunner
from cutter_agent.state import RunState
from cutter_agent.verify import verify_cut
from sqlite_iu import counts, make_store
from support import ROOT, killswitch_on_in_sandbox, sample_text

RATIFIED_FILE_SHA256 = "866516b4630f026372c915e92e26b607b213bce1c7b8f015590b975aaa43e671"
RATIFIED_WRITER_DIGEST = "f1e9b739cfeb0cc44b9ba6eec325c09ce80612505f2dfb6254f7d31250676b64"


def doc(n):
    return "".join(f"## Article {i} — A{i}\nText {i}.\n" for i in range(1, n + 1))


def state_for(n, existing=()):
    rows = discover(doc(n), "ICX-T")
    st = RunState(cut_id="cut-1", document_code="ICX-T", mode=Mode.DRYRUN, rows=rows)
    for r in rows:
        st.record_leg_a(r.canonical_address, "exists" if r.canonical_address in existing else "created")
    return st


def records(st):
    return [{"canonical_address": r.canonical_address, "status": st.leg_a_status[r.canonical_address]}
            for r in st.rows]


def gov_rows(db):
    return db.execute("SELECT row_ref, action FROM cutter_governance.cut_change_set_affected_row ORDER BY id").fetchall()


class LegBWriter(unittest.TestCase):
    def test_any_unit_count_is_recorded(self):
        for n in (1, 10, v2.CONSTITUTION_N + 1):
            db, st = make_store(), state_for(n)
            self.assertEqual(gw.make_governance_writer(st)(db, "cut-1", records(st)), n)
            self.assertEqual(len(gov_rows(db)), n)

    def test_the_ratified_recorder_still_refuses_what_the_generic_one_accepts(self):
        st = state_for(10)
        with self.assertRaises(v2.RecorderError):
            v2.LegBRecorder().record("cs", [r.canonical_address for r in st.rows])

    def test_only_units_this_run_created_are_affected_rows(self):
        db, st = make_store(), state_for(4, existing=("ICX-T/ART-002",))
        self.assertEqual(gw.make_governance_writer(st)(db, "cut-1", records(st)), 3)
        self.assertNotIn("ICX-T/ART-002", [r[0] for r in gov_rows(db)])
        self.assertEqual({r[1] for r in gov_rows(db)}, {"insert"})

    def test_change_set_ref_names_document_and_cut(self):
        db, st = make_store(), state_for(2)
        gw.make_governance_writer(st)(db, "cut-1", records(st))
        self.assertEqual(db.execute("SELECT change_set_ref, status FROM cutter_governance.cut_change_set").fetchall(),
                         [("ICX-T:cut-1", "proposed")])

    def test_batch_missing_a_planned_unit_is_refused_before_writing(self):
        db, st = make_store(), state_for(3)
        before = counts(db)
        with self.assertRaises(gw.GovernanceWriterError) as cm:
            gw.make_governance_writer(st)(db, "cut-1", records(st)[:2])
        self.assertIn("ICX-T/ART-003", str(cm.exception))
        self.assertEqual(counts(db), before)

    def test_duplicates_status_mismatch_and_wrong_cut_refused(self):
        st = state_for(2)
        recs = records(st)
        bad = [recs + [recs[0]], [dict(recs[0], status="exists"), recs[1]], [dict(recs[0], status="weird"), recs[1]]]
        for batch in bad:
            with self.assertRaises(gw.GovernanceWriterError):
                gw.check_records(st, "cut-1", batch)
        with self.assertRaises(gw.GovernanceWriterError):
            gw.check_records(st, "cut-2", recs)

    def test_plan_leg_b_executes_nothing(self):
        st = state_for(3)
        plan = gw.plan_leg_b(st, records(st))
        self.assertEqual(len(plan), 3)
        self.assertEqual(plan[0][1](7), (7, "public.information_unit", "ICX-T/ART-001", "insert"))


class VerifyWriter(unittest.TestCase):
    def setUp(self):
        self.db, self.st = make_store(), state_for(5)
        gw.make_governance_writer(self.st)(self.db, "cut-1", records(self.st))

    def test_pass_is_recorded_with_counts_from_the_run_and_marks_verified(self):
        out = gw.make_verify_writer(self.st)(self.db, "cut-1", verify_cut(self.st))
        self.assertEqual(out["result"], "pass")
        (result, detail), = self.db.execute("SELECT result, detail FROM cutter_governance.verify_result").fetchall()
        self.assertEqual(result, "pass")
        self.assertEqual(json.loads(detail)["planned"], 5)
        self.assertEqual(self.db.execute("SELECT status FROM cutter_governance.cut_change_set").fetchone()[0], "verified")

    def test_fail_is_recorded_and_the_change_set_stays_proposed(self):
        gw.make_verify_writer(self.st)(self.db, "cut-1", {"result": "fail", "planned": 5, "problems": ["x"]})
        self.assertEqual(self.db.execute("SELECT status FROM cutter_governance.cut_change_set").fetchone()[0], "proposed")

    def test_pass_refused_when_the_run_has_pending_units(self):
        st = RunState(cut_id="cut-1", document_code="ICX-T", mode=Mode.DRYRUN, rows=list(self.st.rows))
        with self.assertRaises(gw.GovernanceWriterError):
            gw.plan_verify(st, {"result": "pass", "planned": 5})

    def test_count_mismatch_and_missing_change_set_refused(self):
        with self.assertRaises(gw.GovernanceWriterError):
            gw.plan_verify(self.st, {"result": "pass", "planned": v2.CONSTITUTION_N})
        with self.assertRaises(gw.GovernanceWriterError):
            gw.make_verify_writer(self.st)(make_store(), "cut-1", verify_cut(self.st))


class GenericPath(unittest.TestCase):
    def test_no_hard_coded_unit_count_or_m1_pinning_in_the_generic_writer(self):
        with open(os.path.join(ROOT, "cutter_agent", "governance_writers.py"), encoding="utf-8") as fh:
            src = fh.read()
        self.assertEqual(re.findall(r"(?<![\w.])60(?![\w.])", src), [])
        for pinned in ("CONSTITUTION_N", "WRITER_DIGEST", "LegBRecorder", "VerifyRecorder"):
            self.assertNotIn(pinned, src)
        self.assertIsNone(re.search(r"^\s*(from|import)\s+\S*ledger_v2", src, re.M))

    def test_ratified_recorders_are_byte_identical(self):
        with open(os.path.join(ROOT, "cutter_agent", "ledger_v2_canonical_cut.py"), "rb") as fh:
            self.assertEqual(hashlib.sha256(fh.read()).hexdigest(), RATIFIED_FILE_SHA256)
        self.assertEqual(v2.WRITER_DIGEST, RATIFIED_WRITER_DIGEST)

    def test_full_live_run_in_a_sandbox_db(self):
        # Switch ON in-process only; sqlite stand-in; fn_iu_create emulated by the test.
        db = make_store()

        class Conn:
            def execute(self, sql, params=None):
                if sql == FN_IU_CREATE_SQL:
                    iu = db.execute("INSERT INTO public.information_unit (canonical_address, title, body, unit_kind, "
                                    "section_type, owner_ref) VALUES (%(p_canonical_address)s, %(p_title)s, "
                                    "%(p_body)s, %(p_unit_kind)s, %(p_section_type)s, %(p_owner_ref)s) RETURNING id",
                                    params).fetchone()[0]
                    db.execute("INSERT INTO public.unit_version (iu_id, version_no, title, body) VALUES (%s, 1, %s, %s)",
                               (iu, params["p_title"], params["p_body"]))
                    return types.SimpleNamespace(fetchone=lambda: ("created",))
                return db.execute(sql, params)

            def commit(self):
                db.commit()

            def rollback(self):
                db.rollback()

        rows = discover(sample_text(), "ICX-CONST")
        runner = OrchestratorRunner(Mode.LIVE, live_adapter=None, ledger=ActionLedger())
        st = runner.prepare(rows, cut_id="sbx-1", document_code="ICX-CONST")
        runner.live_adapter = LiveExecutionAdapter(lambda: Conn(), governance_writer=gw.make_governance_writer(st),
                                                   verify_writer=gw.make_verify_writer(st))
        with killswitch_on_in_sandbox():
            r = runner.run(rows, cut_id="sbx-1", document_code="ICX-CONST", state=st)
        self.assertIs(r.state, st)
        self.assertEqual((r.adapter_kind, r.verify["result"]), ("live", "pass"))
        c = counts(db)
        self.assertEqual((c["public.information_unit"], c["cutter_governance.cut_change_set_affected_row"]),
                         (len(rows), len(rows)))
        self.assertEqual(c["cutter_governance.verify_result"], 1)

    def test_a_prepared_state_must_match_the_run(self):
        rows = discover(doc(2), "ICX-T")
        runner = OrchestratorRunner(Mode.DRYRUN)
        st = runner.prepare(rows, cut_id="c1", document_code="ICX-T")
        with self.assertRaises(ValueError):
            runner.run(rows, cut_id="c2", document_code="ICX-T", state=st)
        self.assertIs(runner.run(rows, cut_id="c1", document_code="ICX-T", state=st).state, st)
        with self.assertRaises(ValueError):  # no longer fresh
            runner.run(rows, cut_id="c1", document_code="ICX-T", state=st)


if __name__ == "__main__":
    unittest.main()
