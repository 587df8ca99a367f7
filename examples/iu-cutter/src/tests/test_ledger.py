import json
import os
import tempfile
import unittest

from cutter_agent.ledger import ActionLedger, LedgerError


class Ledger(unittest.TestCase):
    def test_entries_are_chained(self):
        led = ActionLedger()
        a = led.append("guard", "mode", mode="dryrun")
        b = led.append("simulated", "cut_leg_a", address="X")
        self.assertEqual(b["prev"], a["sha256"])
        ActionLedger.verify_chain(led.entries())

    def test_edited_entry_breaks_the_chain(self):
        led = ActionLedger()
        led.append("guard", "mode")
        led.append("simulated", "cut_leg_a", address="X")
        entries = led.entries()
        entries[0]["action"] = "something else"
        with self.assertRaises(LedgerError):
            ActionLedger.verify_chain(entries)

    def test_removed_entry_breaks_the_chain(self):
        led = ActionLedger()
        for i in range(3):
            led.append("guard", f"step{i}")
        entries = led.entries()
        del entries[1]
        with self.assertRaises(LedgerError):
            ActionLedger.verify_chain(entries)

    def test_production_mutation_counts_mutating_kinds_only(self):
        led = ActionLedger()
        led.append("simulated", "cut_leg_a")
        self.assertEqual(led.production_mutation(), "NONE")
        led.append("db_write", "cut_leg_a")
        self.assertEqual(led.production_mutation(), "1 mutation(s)")

    def test_jsonl_file_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "ledger.jsonl")
            led = ActionLedger(p)
            led.append("guard", "mode")
            led.append("simulated", "write_verify", result="pass")
            self.assertEqual(len(ActionLedger.load(p)), 2)
            with open(p) as fh:
                first = json.loads(fh.readline())
            first["detail"] = {"forged": True}
            with open(p, "w") as fh:
                fh.write(json.dumps(first) + "\n")
            with self.assertRaises(LedgerError):
                ActionLedger.load(p)


if __name__ == "__main__":
    unittest.main()
