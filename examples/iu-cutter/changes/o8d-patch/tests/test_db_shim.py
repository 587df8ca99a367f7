"""ConnectionShim over sqlite3 (a DB-API 2 driver from the standard library)."""

import os
import sqlite3
import tempfile
import unittest

from cutter_agent.db_shim import ConnectionShim, Psycopg2ConnectionShim, ShimError, translate


def store(path=":memory:"):
    raw = sqlite3.connect(path)
    raw.execute("ATTACH DATABASE ':memory:' AS public" if path == ":memory:" else
                f"ATTACH DATABASE '{path}.public' AS public")
    raw.execute("CREATE TABLE IF NOT EXISTS public.information_unit (id INTEGER PRIMARY KEY, "
                "canonical_address TEXT UNIQUE NOT NULL, title TEXT, status TEXT DEFAULT 'draft')")
    raw.commit()
    return raw


class Translate(unittest.TestCase):
    def test_positional_and_named_to_qmark(self):
        self.assertEqual(translate("SELECT %s, %s", (1, 2), "qmark"), "SELECT ?, ?")
        self.assertEqual(translate("SELECT %(a)s, %(b)s", {"a": 1, "b": 2}, "qmark"), "SELECT :a, :b")

    def test_percent_escape_and_no_params(self):
        self.assertEqual(translate("SELECT 'x%%' || %s", ("y",), "qmark"), "SELECT 'x%' || ?")
        self.assertEqual(translate("SELECT 'x%%' || %s", ("y",), "format"), "SELECT 'x%%' || %s")
        self.assertEqual(translate("SELECT '100%'", None, "qmark"), "SELECT '100%'")

    def test_placeholder_and_param_mismatch_refused(self):
        with self.assertRaises(ShimError):
            translate("SELECT %s, %s", (1,), "qmark")
        with self.assertRaises(ShimError):
            translate("SELECT %(a)s", {"b": 1}, "qmark")
        with self.assertRaises(ShimError):
            translate("SELECT %s", {"a": 1}, "qmark")
        with self.assertRaises(ShimError):
            translate("SELECT %(a)s", (1,), "qmark")


class Shim(unittest.TestCase):
    def test_psycopg_v3_surface_over_a_dbapi2_connection(self):
        shim = ConnectionShim(store(), paramstyle="qmark")
        shim.execute("INSERT INTO public.information_unit (canonical_address, title) VALUES (%s, %s)",
                     ("ICX-T/ART-001", "Scope"))
        row = shim.execute("SELECT title, status FROM public.information_unit WHERE canonical_address = %s",
                           ("ICX-T/ART-001",)).fetchone()
        self.assertEqual(row, ("Scope", "draft"))
        self.assertEqual(shim.statements, 2)

    def test_named_params_fetchall_rowcount_and_iteration(self):
        shim = ConnectionShim(store(), paramstyle="qmark")
        for i in (1, 2, 3):
            shim.execute("INSERT INTO public.information_unit (canonical_address) VALUES (%(a)s)",
                         {"a": f"ICX-T/ART-00{i}"})
        cur = shim.execute("UPDATE public.information_unit SET status = %s WHERE id > %s", ("review", 1))
        self.assertEqual(cur.rowcount, 2)
        rows = shim.execute("SELECT canonical_address FROM public.information_unit ORDER BY id").fetchall()
        self.assertEqual([r[0] for r in rows], ["ICX-T/ART-001", "ICX-T/ART-002", "ICX-T/ART-003"])
        self.assertEqual(len(list(shim.execute("SELECT 1 UNION SELECT 2"))), 2)

    def test_rollback_only_never_commits_even_on_success(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "iu.db")
            shim = ConnectionShim(store(path), paramstyle="qmark")
            count = "SELECT count(*) FROM public.information_unit"
            before = shim.execute(count).fetchone()[0]
            with shim.rollback_only():
                shim.execute("INSERT INTO public.information_unit (canonical_address) VALUES (%s)", ("ICX-T/P",))
                self.assertEqual(shim.execute(count).fetchone()[0], before + 1)
            self.assertEqual(shim.execute(count).fetchone()[0], before)
            other = store(path)  # an independent second connection sees no leak
            self.assertEqual(other.execute(count).fetchone()[0], before)

    def test_rollback_only_rolls_back_on_error_too(self):
        shim = ConnectionShim(store(), paramstyle="qmark")
        with self.assertRaises(sqlite3.IntegrityError):
            with shim.rollback_only():
                shim.execute("INSERT INTO public.information_unit (canonical_address) VALUES (%s)", ("A",))
                shim.execute("INSERT INTO public.information_unit (canonical_address) VALUES (%s)", ("A",))
        self.assertEqual(shim.execute("SELECT count(*) FROM public.information_unit").fetchone()[0], 0)

    def test_commit_persists_for_a_second_connection(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "iu.db")
            shim = ConnectionShim(store(path), paramstyle="qmark")
            shim.execute("INSERT INTO public.information_unit (canonical_address) VALUES (%s)", ("ICX-T/C",))
            shim.commit()
            shim.close()
            self.assertEqual(store(path).execute("SELECT count(*) FROM public.information_unit").fetchone()[0], 1)

    def test_refuses_non_connections_and_unknown_paramstyles(self):
        with self.assertRaises(TypeError):
            ConnectionShim(object())
        with self.assertRaises(ShimError):
            ConnectionShim(store(), paramstyle="numeric")

    def test_psycopg2_name_is_the_same_shim(self):
        self.assertIs(Psycopg2ConnectionShim, ConnectionShim)
        self.assertIs(ConnectionShim(store()).raw.__class__, sqlite3.Connection)


if __name__ == "__main__":
    unittest.main()
