import unittest

import types

from cutter_agent.discover import discover
from cutter_agent.ledger import ActionLedger
from cutter_agent.live_execution import LiveExecutionAdapter, WriterNotConfigured
from cutter_agent.modes import KillSwitchOff, LiveSeamRefused, Mode
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

    def test_live_refused_before_any_live_adapter_method(self):
        class Spy(LiveExecutionAdapter):
            def __init__(self):
                super().__init__(lambda: self.calls.append("connection_provider"))
                self.calls = []

            def cut_leg_a(self, row, *, cut_id):
                self.calls.append("cut_leg_a")
                return super().cut_leg_a(row, cut_id=cut_id)

        spy = Spy()
        with self.assertRaises(KillSwitchOff):
            OrchestratorRunner(Mode.LIVE, live_adapter=spy).run(self.rows, cut_id="c5", document_code="ICX-CONST")
        self.assertEqual(spy.calls, [])

    def test_live_never_falls_back_to_the_simulator(self):
        # The O4 gap is closed: with the switch ON in a sandbox and no live
        # adapter, Mode.LIVE fails closed instead of using the simulator.
        sim = DryRunSimulator()
        led = ActionLedger()
        with killswitch_on_in_sandbox():
            for adapter in (None, sim, types.SimpleNamespace(cut_leg_a=sim.cut_leg_a)):
                with self.assertRaises(LiveSeamRefused):
                    OrchestratorRunner(Mode.LIVE, simulator=sim, live_adapter=adapter, ledger=led).run(
                        self.rows, cut_id="c6", document_code="ICX-CONST")
        self.assertEqual(sim.calls, [])
        self.assertNotIn("live_unwired_fallback", [e["action"] for e in led])

    def test_live_reaches_the_adapter_and_stops_at_the_unconfigured_writer(self):
        # Sandbox: switch ON in-process, a fake connection. F2-enriched rows now
        # pass leg A; leg B has no governance writer (F-3) and fails closed.
        class FakeConn:
            def __init__(self):
                self.calls, self.commits = 0, 0

            def execute(self, sql, params):
                self.calls += 1
                return types.SimpleNamespace(fetchone=lambda: ("created",))

            def commit(self):
                self.commits += 1

            def rollback(self):
                pass

        conn = FakeConn()
        adapter = LiveExecutionAdapter(lambda: conn)
        led = ActionLedger()
        with killswitch_on_in_sandbox():
            with self.assertRaises(WriterNotConfigured):
                OrchestratorRunner(Mode.LIVE, live_adapter=adapter, ledger=led).run(
                    self.rows, cut_id="c7", document_code="ICX-CONST")
        self.assertIn("live_seam", [e["action"] for e in led])
        self.assertEqual(conn.calls, len(self.rows))
        self.assertEqual(adapter.connections_opened, 1)
        self.assertEqual(len(led.mutations()), len(self.rows))

    def test_dryrun_refuses_a_live_adapter_in_place_of_the_simulator(self):
        with self.assertRaises(LiveSeamRefused):
            OrchestratorRunner(Mode.DRYRUN, simulator=LiveExecutionAdapter()).run(
                self.rows, cut_id="c8", document_code="ICX-CONST")

    def test_bad_cut_id_is_refused(self):
        with self.assertRaises(ValueError):
            OrchestratorRunner(Mode.DRYRUN).run(self.rows, cut_id="a b", document_code="ICX-CONST")


if __name__ == "__main__":
    unittest.main()
