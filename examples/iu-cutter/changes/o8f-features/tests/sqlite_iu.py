"""An in-memory stand-in for the iu-cutter PostgreSQL schema on sqlite3 (tests only).

Same schema-qualified table names (public.*, cutter_governance.*) via ATTACH,
same columns and status vocabularies as the sample schema, reached through
ConnectionShim so code under test sees the psycopg-v3 call surface.
"""

import sqlite3

from cutter_agent.db_shim import ConnectionShim

SCHEMA = """
CREATE TABLE public.information_unit (
  id INTEGER PRIMARY KEY, canonical_address TEXT NOT NULL UNIQUE, title TEXT, body TEXT, unit_kind TEXT,
  section_type TEXT, owner_ref TEXT,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','review','enacted','retired')),
  created_at TEXT DEFAULT CURRENT_TIMESTAMP, updated_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE public.unit_version (
  id INTEGER PRIMARY KEY, iu_id INTEGER NOT NULL REFERENCES information_unit(id), version_no INTEGER NOT NULL,
  title TEXT NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','review','enacted','superseded')),
  UNIQUE (iu_id, version_no));
CREATE TABLE public.iu_lifecycle_log (
  id INTEGER PRIMARY KEY, iu_id INTEGER NOT NULL, event TEXT NOT NULL, actor TEXT NOT NULL, note TEXT,
  at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE cutter_governance.cut_change_set (
  id INTEGER PRIMARY KEY, change_set_ref TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('proposed','reviewed','verified','applied','reverted')));
CREATE TABLE cutter_governance.cut_change_set_affected_row (
  id INTEGER PRIMARY KEY, change_set_id INTEGER NOT NULL, table_name TEXT NOT NULL, row_ref TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('insert','update','retire')));
CREATE TABLE cutter_governance.verify_result (
  id INTEGER PRIMARY KEY, change_set_id INTEGER NOT NULL, verifier TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('pass','fail')), detail TEXT);
"""

TABLES = ("public.information_unit", "public.unit_version", "public.iu_lifecycle_log",
          "cutter_governance.cut_change_set", "cutter_governance.cut_change_set_affected_row",
          "cutter_governance.verify_result")


def make_store():
    raw = sqlite3.connect(":memory:")
    raw.execute("ATTACH DATABASE ':memory:' AS public")
    raw.execute("ATTACH DATABASE ':memory:' AS cutter_governance")
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            raw.execute(stmt.replace("REFERENCES information_unit(id)", ""))
    raw.commit()
    return ConnectionShim(raw, paramstyle="qmark")


def add_unit(shim, address, status="enacted", versions=(("Title", "Body", "enacted"),)):
    iu_id = shim.execute(
        "INSERT INTO public.information_unit (canonical_address, title, body, status) VALUES (%s, %s, %s, %s) "
        "RETURNING id", (address, versions[-1][0] if versions else None, None, status)).fetchone()[0]
    for n, (title, body, vstatus) in enumerate(versions, start=1):
        shim.execute("INSERT INTO public.unit_version (iu_id, version_no, title, body, status) "
                     "VALUES (%s, %s, %s, %s, %s)", (iu_id, n, title, body, vstatus))
    shim.commit()
    return iu_id


def counts(shim):
    return {t: shim.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
