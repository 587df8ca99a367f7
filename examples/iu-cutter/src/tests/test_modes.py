import unittest

from cutter_agent.modes import KillSwitchOff, Mode, parse_mode, refuse_if_killswitch_off
from support import killswitch_on_in_sandbox


class ModeParsing(unittest.TestCase):
    def test_parse_mode_accepts_names_values_and_modes(self):
        self.assertIs(parse_mode("live"), Mode.LIVE)
        self.assertIs(parse_mode("DRYRUN"), Mode.DRYRUN)
        self.assertIs(parse_mode("dry-run"), Mode.DRYRUN)
        self.assertIs(parse_mode(Mode.LIVE), Mode.LIVE)

    def test_parse_mode_rejects_unknown(self):
        with self.assertRaises(ValueError):
            parse_mode("production")
        with self.assertRaises(TypeError):
            parse_mode(1)

    def test_only_live_mutates_production(self):
        self.assertTrue(Mode.LIVE.mutates_production)
        self.assertFalse(Mode.DRYRUN.mutates_production)


class KillSwitchGuard(unittest.TestCase):
    def test_live_refused_while_switch_off(self):
        with self.assertRaises(KillSwitchOff) as cm:
            refuse_if_killswitch_off(Mode.LIVE, action="cut_leg_a")
        self.assertEqual(cm.exception.action, "cut_leg_a")
        self.assertIn("kill-switch is OFF", str(cm.exception))

    def test_live_refused_when_given_as_string(self):
        with self.assertRaises(KillSwitchOff):
            refuse_if_killswitch_off("live")

    def test_dryrun_is_a_noop(self):
        self.assertIsNone(refuse_if_killswitch_off(Mode.DRYRUN))

    def test_guard_reads_switch_at_call_time(self):
        with killswitch_on_in_sandbox():
            self.assertIsNone(refuse_if_killswitch_off(Mode.LIVE))
        with self.assertRaises(KillSwitchOff):
            refuse_if_killswitch_off(Mode.LIVE)


if __name__ == "__main__":
    unittest.main()
