"""StubSigning: the signing *interface* of the cutter with a non-cryptographic stub.

Real signatures are out of scope for v0.6 (the reports say "real_crypto:
untouched"). The stub keeps the interface honest: it is deterministic, it
detects changed payloads, and it announces itself as a stub in every signature.
"""

from __future__ import annotations

import hashlib
import hmac

STUB_PREFIX = "stub-sha256:"


class SignatureError(ValueError):
    pass


class StubSigning:
    is_real_crypto = False

    def __init__(self, key_id: str):
        if not key_id or not key_id.isprintable():
            raise SignatureError("key_id must be a printable, non-empty name")
        self.key_id = key_id

    def sign(self, payload: bytes) -> str:
        if not isinstance(payload, (bytes, bytearray)):
            raise TypeError("payload must be bytes")
        mac = hashlib.sha256(self.key_id.encode("utf-8") + b"\x00" + bytes(payload)).hexdigest()
        return f"{STUB_PREFIX}{self.key_id}:{mac}"

    def verify(self, payload: bytes, signature: str) -> bool:
        if not signature.startswith(STUB_PREFIX):
            raise SignatureError("not a stub signature")
        return hmac.compare_digest(self.sign(payload), signature)
