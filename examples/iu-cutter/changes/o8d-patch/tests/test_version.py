import os
import re
import unittest
from unittest import mock

import cutter_agent
from support import ROOT


class VersionAndKillSwitch(unittest.TestCase):
    def test_version_names_the_milestone(self):
        self.assertEqual(cutter_agent.__version__, "0.6.0-O8B-live-execution-wiring")
        self.assertEqual(cutter_agent.__milestone__, "O8B")
        self.assertIn(cutter_agent.__milestone__, cutter_agent.__version__)

    def test_milestone_ratified_from_o4_keeps_the_wiring_marker(self):
        self.assertNotIn("O4", cutter_agent.__version__)
        self.assertEqual(cutter_agent.__live_wiring__, "O8A-authoring-staging")

    def test_kill_switch_constant_is_off(self):
        self.assertIs(cutter_agent.__execution_enabled__, False)
        self.assertIs(cutter_agent.execution_enabled(), False)

    def test_execution_enabled_reads_the_constant_at_call_time(self):
        with mock.patch.object(cutter_agent, "__execution_enabled__", True):
            self.assertIs(cutter_agent.execution_enabled(), True)
        self.assertIs(cutter_agent.execution_enabled(), False)

    def test_only_literal_true_enables(self):
        for value in (1, "True", "yes", [True], None):
            with mock.patch.object(cutter_agent, "__execution_enabled__", value):
                self.assertIs(cutter_agent.execution_enabled(), False, repr(value))

    def test_shipped_source_holds_false(self):
        with open(os.path.join(ROOT, "cutter_agent", "__init__.py"), encoding="utf-8") as fh:
            src = fh.read()
        self.assertEqual(re.findall(r"^__execution_enabled__\s*=\s*(\S+)", src, re.M), ["False"])


if __name__ == "__main__":
    unittest.main()
