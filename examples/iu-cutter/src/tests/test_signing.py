import unittest

from cutter_agent.signing import SignatureError, StubSigning


class Signing(unittest.TestCase):
    def test_stub_announces_itself(self):
        s = StubSigning("cutter-dev")
        self.assertFalse(s.is_real_crypto)
        self.assertTrue(s.sign(b"x").startswith("stub-sha256:cutter-dev:"))

    def test_changed_payload_or_key_fails_verification(self):
        s = StubSigning("cutter-dev")
        sig = s.sign(b"manifest v1")
        self.assertTrue(s.verify(b"manifest v1", sig))
        self.assertFalse(s.verify(b"manifest v2", sig))
        self.assertFalse(StubSigning("other").verify(b"manifest v1", sig))

    def test_bad_inputs(self):
        with self.assertRaises(SignatureError):
            StubSigning("")
        with self.assertRaises(TypeError):
            StubSigning("k").sign("text")
        with self.assertRaises(SignatureError):
            StubSigning("k").verify(b"x", "ed25519:abc")


if __name__ == "__main__":
    unittest.main()
