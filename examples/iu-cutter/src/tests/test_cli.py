import json
import subprocess
import sys
import unittest

from support import ROOT, SAMPLE


def run(*args):
    return subprocess.run([sys.executable, "-m", "cutter_agent", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


class Cli(unittest.TestCase):
    def test_status_reports_the_kill_switch(self):
        p = run("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        info = json.loads(p.stdout)
        self.assertIs(info["execution_enabled"], False)
        self.assertTrue(info["version"].startswith("0.6.0-"))

    def test_discover_prints_rows_and_refuses_production(self):
        p = run("discover", SAMPLE)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 11)
        self.assertTrue(lines[-1].startswith("units=10 cutplan_sha256="))
        self.assertTrue(lines[-1].endswith("production=REFUSED"))

    def test_dryrun_and_missing_file(self):
        p = run("dryrun", SAMPLE)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("verify=pass production_mutation=NONE production=REFUSED", p.stdout)
        self.assertEqual(run("discover", "/nonexistent/doc.md").returncode, 2)


if __name__ == "__main__":
    unittest.main()
