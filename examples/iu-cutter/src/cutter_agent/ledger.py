"""Append-only, hash-chained action ledger of one run.

Every step the orchestrator takes is an entry. Each entry carries the sha256 of
the previous one, so a removed or edited entry breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, Iterator, List, Optional

GENESIS = "0" * 64
MUTATING_KINDS = frozenset({"db_write", "db_commit", "file_write_production"})


class LedgerError(RuntimeError):
    pass


def _digest(entry: Dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class ActionLedger:
    def __init__(self, path: Optional[str] = None):
        self._entries: List[Dict[str, Any]] = []
        self._path = path

    def append(self, kind: str, action: str, **detail: Any) -> Dict[str, Any]:
        if not kind or not action:
            raise LedgerError("an entry needs a kind and an action")
        entry = {
            "seq": len(self._entries) + 1,
            "kind": kind,
            "action": action,
            "detail": detail,
            "prev": self._entries[-1]["sha256"] if self._entries else GENESIS,
        }
        entry["sha256"] = _digest(entry)
        self._entries.append(entry)
        if self._path:
            with open(self._path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
        return entry

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> List[Dict[str, Any]]:
        return [dict(e) for e in self._entries]

    def mutations(self) -> List[Dict[str, Any]]:
        return [e for e in self._entries if e["kind"] in MUTATING_KINDS]

    def production_mutation(self) -> str:
        """'NONE' when no entry is a production mutation, else the count."""
        n = len(self.mutations())
        return "NONE" if n == 0 else f"{n} mutation(s)"

    @staticmethod
    def verify_chain(entries: List[Dict[str, Any]]) -> None:
        prev = GENESIS
        for i, e in enumerate(entries, start=1):
            if e.get("seq") != i:
                raise LedgerError(f"entry {i}: sequence {e.get('seq')} out of order")
            if e.get("prev") != prev:
                raise LedgerError(f"entry {i}: chain broken (prev does not match)")
            if e.get("sha256") != _digest(e):
                raise LedgerError(f"entry {i}: content changed (sha256 mismatch)")
            prev = e["sha256"]

    @classmethod
    def load(cls, path: str) -> "ActionLedger":
        led = cls(None)
        with open(path, encoding="utf-8") as fh:
            led._entries = [json.loads(l) for l in fh if l.strip()]
        cls.verify_chain(led._entries)
        led._path = path
        return led
