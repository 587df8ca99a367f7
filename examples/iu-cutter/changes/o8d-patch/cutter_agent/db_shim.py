"""ConnectionShim: a DB-API 2 connection behind the psycopg-v3 call surface.

The live adapter is written against psycopg 3's ``conn.execute(sql, params)``
returning a cursor with ``.fetchone()``. A DB-API 2 connection (psycopg2,
sqlite3, ...) only has ``conn.cursor().execute(...)``. The shim bridges the
two, and translates psycopg-style placeholders (``%s``, ``%(name)s``, ``%%``)
for drivers with another paramstyle (sqlite3: qmark / named).

Like psycopg, placeholders are interpreted only when params are given, and
they are replaced everywhere in the text (psycopg does not parse SQL either).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator, Mapping, Optional, Sequence, Union

Params = Optional[Union[Sequence[Any], Mapping[str, Any]]]
PARAMSTYLES = ("format", "pyformat", "qmark", "named")
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?([s%])")


class ShimError(ValueError):
    pass


class ShimCursor:
    """What ``ConnectionShim.execute`` returns: the psycopg-v3 cursor surface."""

    def __init__(self, cursor: Any):
        self._cursor = cursor

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list:
        return list(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def description(self) -> Any:
        return self._cursor.description

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)


def translate(sql: str, params: Params, paramstyle: str) -> str:
    """psycopg-style SQL -> the driver's paramstyle; checks the placeholders match the params."""
    if params is None:
        return sql
    named = isinstance(params, Mapping)
    count = 0
    names = []

    def repl(m: "re.Match[str]") -> str:
        nonlocal count
        name, kind = m.group(1), m.group(2)
        if kind == "%":
            if name:
                raise ShimError("'%(name)%' is not a placeholder")
            return "%" if paramstyle in ("qmark", "named") else "%%"
        if name is None:
            if named:
                raise ShimError("positional %s used with a mapping of params")
            count += 1
            return "?" if paramstyle in ("qmark", "named") else "%s"
        if not named:
            raise ShimError(f"named %({name})s used with positional params")
        names.append(name)
        return f":{name}" if paramstyle in ("qmark", "named") else f"%({name})s"

    out = _PLACEHOLDER.sub(repl, sql)
    if named:
        missing = sorted(set(names) - set(params))
        if missing:
            raise ShimError(f"params lack {', '.join(missing)}")
    elif count != len(params):
        raise ShimError(f"SQL has {count} placeholder(s) but {len(params)} param(s) were given")
    return out


class ConnectionShim:
    def __init__(self, raw: Any, *, paramstyle: str = "format"):
        if not callable(getattr(raw, "cursor", None)):
            raise TypeError(f"{type(raw).__name__} is not a DB-API 2 connection (no cursor())")
        if paramstyle not in PARAMSTYLES:
            raise ShimError(f"paramstyle {paramstyle!r} not one of {', '.join(PARAMSTYLES)}")
        self._raw = raw
        self.paramstyle = paramstyle
        self.statements = 0

    @property
    def raw(self) -> Any:
        return self._raw

    def execute(self, sql: str, params: Params = None) -> ShimCursor:
        text = translate(sql, params, self.paramstyle)
        cur = self._raw.cursor()
        if params is None:
            cur.execute(text)
        else:
            cur.execute(text, dict(params) if isinstance(params, Mapping) else tuple(params))
        self.statements += 1
        return ShimCursor(cur)

    def commit(self) -> None:
        self._raw.commit()

    def rollback(self) -> None:
        self._raw.rollback()

    def close(self) -> None:
        self._raw.close()

    @contextlib.contextmanager
    def rollback_only(self) -> Iterator["ConnectionShim"]:
        """A transaction that is rolled back on every path, including success."""
        try:
            yield self
        finally:
            self._raw.rollback()


# The name the O8D reports use for the shim around a psycopg2 connection.
Psycopg2ConnectionShim = ConnectionShim
