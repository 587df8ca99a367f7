import unittest

from cutter_agent.discover import discover
from cutter_agent.modes import Mode
from cutter_agent.simulator import DryRunSimulator
from support import sample_text


class Simulator(unittest.TestCase):
    def setUp(self):
        self.rows = discover(sample_text(), "ICX-CONST")

    def test_is_a_dryrun_adapter(self):
        sim = DryRunSimulator()
        self.assertIs(sim.mode, Mode.DRYRUN)
        self.assertTrue(sim.simulated)

    def test_creates_then_reports_existing(self):
        sim = DryRunSimulator()
        self.assertEqual(sim.cut_leg_a(self.rows[0], cut_id="c1"), "created")
        self.assertEqual(sim.cut_leg_a(self.rows[0], cut_id="c1"), "exists")
        self.assertEqual(sim.store[self.rows[0].canonical_address], "draft")

    def test_preexisting_units_are_not_recreated(self):
        sim = DryRunSimulator(existing={"ICX-CONST/ART-001": "enacted"})
        self.assertEqual(sim.cut_leg_a(self.rows[1], cut_id="c1"), "exists")
        self.assertEqual(sim.store["ICX-CONST/ART-001"], "enacted")

    def test_leg_b_and_verify_are_recorded_in_memory(self):
        sim = DryRunSimulator()
        self.assertEqual(sim.leg_b_record("c1", [{"canonical_address": "A"}, {"canonical_address": "B"}]), 2)
        rec = sim.write_verify("c1", {"result": "pass"})
        self.assertTrue(rec["simulated"])
        self.assertEqual(sim.calls, ["leg_b_record:c1", "write_verify:c1"])


if __name__ == "__main__":
    unittest.main()
