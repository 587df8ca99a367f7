"""The O8A live seam. Behind-the-switch behaviour is exercised only against fakes."""

import os
import types
import unittest
from unittest import mock

import cutter_agent
from cutter_agent import live_execution as le
from cutter_agent.discover import CutplanRow, discover
from cutter_agent.modes import KillSwitchOff, LiveSeamRefused, Mode
from cutter_agent.simulator import DryRunSimulator
from support import killswitch_on_in_sandbox, sample_text


class FakeCursor:
    def __init__(self, row):
        self._row = row

    def fetchone(self):
        return self._row


class FakeConn:
    def __init__(self, status="created"):
        self.status = status
        self.statements = []
        self.commits = 0
        self.rollbacks = 0

    def execute(self, sql, params=()):
        self.statements.append((sql, tuple(params.values()) if isinstance(params, dict) else tuple(params)))
        return FakeCursor((self.status,))

    def commit(self):
        self.commits += 1

    def rollback(self):
        self.rollbacks += 1


class CountingProvider:
    def __init__(self, conn=None):
        self.calls = 0
        self.conn = conn if conn is not None else FakeConn()

    def __call__(self):
        self.calls += 1
        return self.conn


def enriched_row(address="ICX-T/ART-001", **over):
    fields = dict(canonical_address=address, section_type="article", title="Scope", body="Text of the unit.",
                  unit_kind="article", owner_ref="owner/1", content_sha256="0" * 64)
    fields.update(over)
    return types.SimpleNamespace(**fields)


class SimulatorShaped:
    """Has every method name of the live adapter and claims to be live — but is not one."""
    mode = Mode.LIVE
    simulated = False

    def cut_leg_a(self, row, *, cut_id):
        return "created"

    def leg_b_record(self, cut_id, records):
        return len(records)

    def write_verify(self, cut_id, result):
        return result


class KillSwitchFirst(unittest.TestCase):
    def test_every_method_refuses_before_touching_the_provider(self):
        provider = CountingProvider()
        ad = le.LiveExecutionAdapter(provider, governance_writer=lambda *a: 0, verify_writer=lambda *a: {})
        for call in (lambda: ad.cut_leg_a(enriched_row(), cut_id="c"),
                     lambda: ad.leg_b_record("c", []),
                     lambda: ad.write_verify("c", {})):
            with self.assertRaises(KillSwitchOff):
                call()
        self.assertEqual(provider.calls, 0)
        self.assertEqual(ad.connections_opened, 0)

    def test_kill_switch_is_checked_before_row_contract(self):
        ad = le.LiveExecutionAdapter(CountingProvider())
        with self.assertRaises(KillSwitchOff):
            ad.cut_leg_a(object(), cut_id="c")

    def test_live_wiring_marker_survives_the_milestone_ratification(self):
        self.assertEqual(cutter_agent.__live_wiring__, "O8A-authoring-staging")
        self.assertEqual(cutter_agent.__milestone__, "O8B")
        self.assertIs(cutter_agent.execution_enabled(), False)


class RequireLiveAdapter(unittest.TestCase):
    def test_real_adapter_accepted_without_connecting(self):
        provider = CountingProvider()
        ad = le.LiveExecutionAdapter(provider)
        self.assertIs(le.require_live_adapter(ad), ad)
        self.assertEqual(provider.calls, 0)

    def test_simulator_and_simulator_shaped_objects_refused(self):
        for obj in (DryRunSimulator(), SimulatorShaped()):
            with self.assertRaises(LiveSeamRefused):
                le.require_live_adapter(obj)

    def test_none_object_and_str_refused(self):
        for obj in (None, object(), "LiveExecutionAdapter", le.LiveExecutionAdapter):
            with self.assertRaises(LiveSeamRefused) as cm:
                le.require_live_adapter(obj)
            self.assertIn("no simulator fallback", str(cm.exception))

    def test_subclass_claiming_to_be_simulated_refused(self):
        class Hybrid(le.LiveExecutionAdapter):
            simulated = True

        with self.assertRaises(LiveSeamRefused):
            le.require_live_adapter(Hybrid())


class DefaultProvider(unittest.TestCase):
    def test_default_provider_refuses(self):
        with self.assertRaises(le.NoConnectionConfigured):
            le.default_connection_provider()
        self.assertTrue(le.LiveExecutionAdapter().uses_default_provider)

    def test_default_provider_ignores_a_dsn_in_the_environment(self):
        with mock.patch.dict(os.environ, {"IU_CUTTER_DSN": "postgresql://probe@127.0.0.1:9/none"}):
            with self.assertRaises(le.NoConnectionConfigured):
                le.default_connection_provider()

    def test_behind_the_switch_default_adapter_still_cannot_connect(self):
        ad = le.LiveExecutionAdapter()
        with killswitch_on_in_sandbox():
            with self.assertRaises(le.NoConnectionConfigured):
                ad.cut_leg_a(enriched_row(), cut_id="c")
        self.assertEqual(ad.connections_opened, 0)


class BehindTheSwitchSandbox(unittest.TestCase):
    def test_bare_cutplan_row_refused_naming_every_missing_field_before_connecting(self):
        full = discover(sample_text(), "ICX-CONST")[1]
        bare = CutplanRow(full.canonical_address, full.section_type, full.ordinal, full.parent_address,
                          full.line_start, full.line_end, full.content_sha256)
        provider = CountingProvider()
        ad = le.LiveExecutionAdapter(provider)
        with killswitch_on_in_sandbox():
            with self.assertRaises(le.CutRowIncomplete) as cm:
                ad.cut_leg_a(bare, cut_id="c")
        self.assertEqual(cm.exception.missing, ["body", "title", "unit_kind", "owner_ref"])
        self.assertIn("body, title, unit_kind, owner_ref", str(cm.exception))
        self.assertEqual(provider.calls, 0)

    def test_guard_names_exactly_the_missing_fields(self):
        self.assertEqual(le.missing_cut_fields(enriched_row(body="  ", title="")), ["body", "title"])
        self.assertEqual(le.missing_cut_fields(enriched_row(owner_ref=None)), ["owner_ref"])
        self.assertEqual(le.missing_cut_fields(enriched_row()), [])

    def test_f2_enriched_discover_rows_pass_the_guard(self):
        rows = discover(sample_text(), "ICX-CONST")
        self.assertEqual([le.missing_cut_fields(r) for r in rows], [[]] * len(rows))

    def test_rf_maps_a_row_to_fn_iu_create_parameters(self):
        row = discover(sample_text(), "ICX-CONST")[2]
        params = le.LiveExecutionAdapter._rf(row)
        self.assertEqual(tuple(params), le.FN_IU_CREATE_PARAMS)
        self.assertEqual(params["p_canonical_address"], "ICX-CONST/ART-001/CL-01")
        self.assertEqual((params["p_title"], params["p_section_type"]), ("Purpose", "clause"))
        for p in le.FN_IU_CREATE_PARAMS:
            self.assertIn(f"%({p})s", le.FN_IU_CREATE_SQL)
        with self.assertRaises(le.CutRowIncomplete):
            le.LiveExecutionAdapter._rf(enriched_row(title=""))

    def test_enriched_row_drives_fn_iu_create_in_one_transaction(self):
        provider = CountingProvider()
        ad = le.LiveExecutionAdapter(provider)
        with killswitch_on_in_sandbox():
            self.assertEqual(ad.cut_leg_a(enriched_row(), cut_id="c"), "created")
        (sql, params), = provider.conn.statements
        self.assertEqual(sql, le.FN_IU_CREATE_SQL)
        self.assertEqual(params, ("ICX-T/ART-001", "Scope", "Text of the unit.", "article", "article", "owner/1"))
        self.assertEqual(ad.connections_opened, 1)
        self.assertEqual((provider.conn.commits, provider.conn.rollbacks), (1, 0))

    def test_fn_refusal_is_raised(self):
        provider = CountingProvider(FakeConn(status="refused: duplicate canonical_address"))
        ad = le.LiveExecutionAdapter(provider)
        with killswitch_on_in_sandbox():
            with self.assertRaises(LiveSeamRefused):
                ad.cut_leg_a(enriched_row(), cut_id="c")

    def test_writers_default_fail_closed_without_connecting(self):
        provider = CountingProvider()
        ad = le.LiveExecutionAdapter(provider)
        with killswitch_on_in_sandbox():
            with self.assertRaises(le.WriterNotConfigured):
                ad.leg_b_record("c", [{"canonical_address": "X"}])
            with self.assertRaises(le.WriterNotConfigured):
                ad.write_verify("c", {"result": "pass"})
        self.assertEqual(provider.calls, 0)

    def test_injected_writer_failure_rolls_back(self):
        def bad_writer(conn, cut_id, records):
            conn.execute("INSERT INTO cutter_governance.cut_change_set VALUES (%s)", (cut_id,))
            raise RuntimeError("writer failed")

        provider = CountingProvider()
        ad = le.LiveExecutionAdapter(provider, governance_writer=bad_writer)
        with killswitch_on_in_sandbox():
            with self.assertRaises(RuntimeError):
                ad.leg_b_record("c", [])
        self.assertEqual((provider.conn.commits, provider.conn.rollbacks), (0, 1))


if __name__ == "__main__":
    unittest.main()
