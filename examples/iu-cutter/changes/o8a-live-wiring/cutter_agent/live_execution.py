"""Mode.LIVE production-write adapter seam (O8A live wiring).

LiveExecutionAdapter is the only object a Mode.LIVE orchestrator accepts
(require_live_adapter). Every method checks the kill-switch FIRST — before it
looks at its arguments, before it asks for a connection — so while
execution_enabled() is False no method can reach a database.

Behind the switch the adapter is fail-closed by default:
- the default connection_provider refuses: it reads no DSN, no .env file and
  no secret; a live run must inject a provider explicitly;
- leg_b_record / write_verify need injected governance/verify writers (the
  generic writers are a follow-up, F-3); without them they refuse;
- cut_leg_a needs content-carrying cut-plan rows (body, title — F-2); an O4
  row without them is refused before any connection.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

from .modes import GUARD_ORDER, LiveSeamRefused, Mode, refuse_if_killswitch_off

__all__ = [
    "LiveExecutionAdapter", "require_live_adapter", "default_connection_provider",
    "NoConnectionConfigured", "WriterNotConfigured", "CutRowIncomplete", "FN_IU_CREATE_SQL",
    "REQUIRED_CUT_FIELDS", "missing_cut_fields", "GUARD_ORDER",
]

# public.fn_iu_create(p_canonical_address, p_title, p_body, p_unit_kind, p_section_type, p_owner_ref) -> text
FN_IU_CREATE_SQL = "SELECT public.fn_iu_create(%s, %s, %s, %s, %s, %s)"
REQUIRED_CUT_FIELDS = ("body", "title")


class NoConnectionConfigured(LiveSeamRefused):
    pass


class WriterNotConfigured(LiveSeamRefused):
    pass


class CutRowIncomplete(LiveSeamRefused):
    def __init__(self, address: str, missing: Sequence[str]):
        self.address = address
        self.missing = list(missing)
        super().__init__(f"refused: cut row {address} lacks {', '.join(self.missing)} "
                         "(content-enriched cut-plan rows required, F-2)")


def default_connection_provider() -> Any:
    """Refuses. It never reads a DSN, a .env file or a secret."""
    raise NoConnectionConfigured(
        "refused: no DSN configured — the default connection_provider opens nothing; "
        "a live run must inject an explicit connection_provider")


def missing_cut_fields(row: Any) -> List[str]:
    """Names of the required content fields a cut row lacks (absent or blank)."""
    missing = []
    for name in REQUIRED_CUT_FIELDS:
        value = getattr(row, name, None)
        if not isinstance(value, str) or not value.strip():
            missing.append(name)
    return missing


class LiveExecutionAdapter:
    mode = Mode.LIVE
    simulated = False

    def __init__(self, connection_provider: Optional[Callable[[], Any]] = None, *,
                 governance_writer: Optional[Callable[..., int]] = None,
                 verify_writer: Optional[Callable[..., dict]] = None):
        self._provider = connection_provider if connection_provider is not None else default_connection_provider
        self._governance_writer = governance_writer
        self._verify_writer = verify_writer
        self._conn: Any = None
        self.connections_opened = 0

    @property
    def uses_default_provider(self) -> bool:
        return self._provider is default_connection_provider

    def _connection(self) -> Any:
        if self._conn is None:
            conn = self._provider()
            self.connections_opened += 1
            if conn is None:
                raise NoConnectionConfigured("refused: connection_provider returned no connection")
            self._conn = conn
        return self._conn

    def _in_transaction(self, fn: Callable[[Any], Any]) -> Any:
        conn = self._connection()
        try:
            out = fn(conn)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        return out

    # -- leg A: create the information unit ---------------------------------
    def cut_leg_a(self, row: Any, *, cut_id: str) -> str:
        refuse_if_killswitch_off(Mode.LIVE, action="cut_leg_a")
        missing = missing_cut_fields(row)
        if missing:
            raise CutRowIncomplete(getattr(row, "canonical_address", "?"), missing)
        params = (row.canonical_address, row.title, row.body, getattr(row, "unit_kind", None),
                  row.section_type, getattr(row, "owner_ref", None))
        status = self._in_transaction(lambda conn: conn.execute(FN_IU_CREATE_SQL, params).fetchone()[0])
        if status != "created":
            raise LiveSeamRefused(f"fn_iu_create refused {row.canonical_address}: {status}")
        return status

    # -- leg B: governance record --------------------------------------------
    def leg_b_record(self, cut_id: str, records: List[dict]) -> int:
        refuse_if_killswitch_off(Mode.LIVE, action="leg_b_record")
        if self._governance_writer is None:
            raise WriterNotConfigured("refused: no governance writer injected (generic writer is F-3)")
        writer = self._governance_writer
        return self._in_transaction(lambda conn: writer(conn, cut_id, records))

    # -- verify ----------------------------------------------------------------
    def write_verify(self, cut_id: str, result: dict) -> dict:
        refuse_if_killswitch_off(Mode.LIVE, action="write_verify")
        if self._verify_writer is None:
            raise WriterNotConfigured("refused: no verify writer injected (generic writer is F-3)")
        writer = self._verify_writer
        return self._in_transaction(lambda conn: writer(conn, cut_id, result))


def require_live_adapter(obj: Any) -> LiveExecutionAdapter:
    """Returns obj if it is a real LiveExecutionAdapter; refuses anything else.

    Duck typing is not enough: a simulator-shaped object (same method names),
    None, object() or a string are all refused, so Mode.LIVE can never fall
    through to the simulator.
    """
    if not isinstance(obj, LiveExecutionAdapter) or getattr(obj, "simulated", True) is not False:
        raise LiveSeamRefused(
            f"refused: Mode.LIVE requires a LiveExecutionAdapter, got {type(obj).__name__} "
            "(no simulator fallback)")
    return obj
