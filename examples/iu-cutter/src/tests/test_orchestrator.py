import unittest

from cutter_agent.discover import discover
from cutter_agent.ledger import ActionLedger
from cutter_agent.modes import KillSwitchOff, Mode
from cutter_agent.orchestrator import OrchestratorRunner
from cutter_agent.simulator import DryRunSimulator
from support import killswitch_on_in_sandbox, sample_text


class Orchestrator(unittest.TestCase):
    def setUp(self):
        self.rows = discover(sample_text(), "ICX-CONST")

    def test_dryrun_cuts_every_unit_and_verifies(self):
        r = OrchestratorRunner(Mode.DRYRUN).run(self.rows, cut_id="c1", document_code="ICX-CONST")
        self.assertEqual(r.adapter_kind, "simulator")
        self.assertEqual(len(r.state.created), len(self.rows))
        self.assertEqual(r.verify["result"], "pass")
        self.assertEqual(r.production_mutation, "NONE")

    def test_dryrun_with_existing_units(self):
        sim = DryRunSimulator(existing={"ICX-CONST/ART-001": "enacted"})
        r = OrchestratorRunner("dryrun", simulator=sim).run(self.rows, cut_id="c2", document_code="ICX-CONST")
        self.assertEqual(r.verify["existing"], 1)
        self.assertEqual(r.verify["created"], len(self.rows) - 1)

    def test_ledger_records_every_leg_and_stays_chained(self):
        led = ActionLedger()
        OrchestratorRunner(Mode.DRYRUN, ledger=led).run(self.rows, cut_id="c3", document_code="ICX-CONST")
        actions = [e["action"] for e in led]
        self.assertEqual(actions.count("cut_leg_a"), len(self.rows))
        self.assertEqual(actions[-2:], ["leg_b_record", "write_verify"])
        ActionLedger.verify_chain(led.entries())

    def test_live_refused_while_switch_off_before_any_adapter_call(self):
        sim = DryRunSimulator()
        with self.assertRaises(KillSwitchOff):
            OrchestratorRunner(Mode.LIVE, simulator=sim).run(self.rows, cut_id="c4", document_code="ICX-CONST")
        self.assertEqual(sim.calls, [])

    def test_known_gap_o4_live_falls_back_to_simulator_when_switch_on(self):
        # O4 has no live adapter: documents the gap the live wiring must close.
        led = ActionLedger()
        with killswitch_on_in_sandbox():
            r = OrchestratorRunner(Mode.LIVE, ledger=led).run(self.rows, cut_id="c5", document_code="ICX-CONST")
        self.assertEqual(r.adapter_kind, "simulator")
        self.assertIn("live_unwired_fallback", [e["action"] for e in led])

    def test_bad_cut_id_is_refused(self):
        with self.assertRaises(ValueError):
            OrchestratorRunner(Mode.DRYRUN).run(self.rows, cut_id="a b", document_code="ICX-CONST")


if __name__ == "__main__":
    unittest.main()
