import unittest

from cutter_agent import ledger_v2_canonical_cut as v2


class RatifiedRecorders(unittest.TestCase):
    def addresses(self, n):
        return [f"ICX-CONST/ART-{i:03d}" for i in range(1, n + 1)]

    def test_leg_b_accepts_exactly_the_constitution_n(self):
        rec = v2.LegBRecorder()
        self.assertEqual(rec.record("cs-1", self.addresses(v2.CONSTITUTION_N)), v2.CONSTITUTION_N)
        self.assertEqual({r["action"] for r in rec.rows}, {"insert"})

    def test_leg_b_refuses_any_other_count_or_duplicates(self):
        rec = v2.LegBRecorder()
        for n in (0, 10, v2.CONSTITUTION_N + 1):
            with self.assertRaises(v2.RecorderError):
                rec.record("cs-1", self.addresses(n))
        dup = self.addresses(v2.CONSTITUTION_N - 1) + ["ICX-CONST/ART-001"]
        with self.assertRaises(v2.RecorderError):
            rec.record("cs-1", dup)

    def test_verify_recorder_pins_the_writer_digest(self):
        rec = v2.VerifyRecorder().record("cs-1", v2.CONSTITUTION_N, True)
        self.assertEqual(rec["writer_digest"], v2.WRITER_DIGEST)
        self.assertEqual(len(v2.WRITER_DIGEST), 64)
        with self.assertRaises(v2.RecorderError):
            v2.VerifyRecorder().record("cs-1", 10, True)


if __name__ == "__main__":
    unittest.main()
