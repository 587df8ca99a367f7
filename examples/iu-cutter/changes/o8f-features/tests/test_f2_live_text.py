"""F2: live text sourced from unit_version; placeholder only as fallback."""

import unittest

from cutter_agent.discover import (TextSourceError, UNIT_VERSION_TEXT_SQL, UnitText, cutplan_digest, discover,
                                   is_placeholder_body, mapping_text_source, placeholder_count,
                                   unit_version_text_source)
from cutter_agent.live_execution import LiveExecutionAdapter, missing_cut_fields
from sqlite_iu import add_unit, counts, make_store
from support import sample_text


class MappingSource(unittest.TestCase):
    def test_without_a_source_every_body_is_a_placeholder(self):
        rows = discover(sample_text(), "ICX-CONST")
        self.assertEqual(placeholder_count(rows), len(rows))
        self.assertEqual({r.body_source for r in rows}, {"placeholder"})

    def test_live_text_replaces_the_placeholder_and_heading(self):
        src = mapping_text_source({"ICX-CONST/ART-003": ("Meetings (amended)", "The meeting is held twice a year.")})
        by = {r.canonical_address: r for r in discover(sample_text(), "ICX-CONST", text_source=src)}
        art3 = by["ICX-CONST/ART-003"]
        self.assertEqual((art3.title, art3.body, art3.body_source),
                         ("Meetings (amended)", "The meeting is held twice a year.", "unit_version"))
        self.assertFalse(is_placeholder_body(art3.body))

    def test_units_without_a_version_fall_back_to_placeholder(self):
        src = mapping_text_source({"ICX-CONST/ART-001": ("Name", "Live body.")})
        rows = discover(sample_text(), "ICX-CONST", text_source=src)
        self.assertEqual(placeholder_count(rows), len(rows) - 1)
        self.assertEqual(rows[2].body_source, "placeholder")

    def test_blank_live_body_is_not_live_text(self):
        src = mapping_text_source({"ICX-CONST/ART-001": ("Name", "   ")})
        self.assertEqual(discover(sample_text(), "ICX-CONST", text_source=src)[1].body_source, "placeholder")

    def test_blank_live_title_keeps_the_heading(self):
        src = mapping_text_source({"ICX-CONST/ART-001": ("  ", "Live body.")})
        row = discover(sample_text(), "ICX-CONST", text_source=src)[1]
        self.assertEqual((row.title, row.body), ("Name and purpose", "Live body."))

    def test_failing_source_raises_instead_of_silently_using_placeholders(self):
        def broken(address):
            raise ConnectionError("db gone")

        with self.assertRaises(TextSourceError) as cm:
            discover(sample_text(), "ICX-CONST", text_source=broken)
        self.assertIn("ICX-CONST/PREAMBLE", str(cm.exception))

    def test_source_returning_the_wrong_type_is_an_error(self):
        with self.assertRaises(TextSourceError):
            discover(sample_text(), "ICX-CONST", text_source=lambda a: ("title", "body"))

    def test_source_is_asked_once_per_unit_in_document_order(self):
        asked = []
        discover(sample_text(), "ICX-CONST", text_source=lambda a: asked.append(a))
        self.assertEqual(asked, [r.canonical_address for r in discover(sample_text(), "ICX-CONST")])

    def test_live_text_changes_the_cutplan_digest_but_not_the_document_digest(self):
        plain = discover(sample_text(), "ICX-CONST")
        live = discover(sample_text(), "ICX-CONST", text_source=mapping_text_source({"ICX-CONST/ANX-A": ("G", "B")}))
        self.assertNotEqual(cutplan_digest(plain), cutplan_digest(live))
        self.assertEqual([r.content_sha256 for r in plain], [r.content_sha256 for r in live])


class UnitVersionSource(unittest.TestCase):
    def setUp(self):
        self.db = make_store()
        add_unit(self.db, "ICX-CONST/ART-001", versions=(("Name", "Old body.", "superseded"),
                                                          ("Name and purpose", "Current body.", "enacted")))
        add_unit(self.db, "ICX-CONST/ART-002", status="draft", versions=(("Membership", "Draft body.", "draft"),))

    def test_latest_version_is_read_through_the_shim(self):
        src = unit_version_text_source(self.db)
        self.assertEqual(src("ICX-CONST/ART-001"), UnitText("Name and purpose", "Current body.", 2, "enacted"))
        self.assertIsNone(src("ICX-CONST/ART-099"))

    def test_status_filter(self):
        src = unit_version_text_source(self.db, statuses=("enacted",))
        self.assertIsNotNone(src("ICX-CONST/ART-001"))
        self.assertIsNone(src("ICX-CONST/ART-002"))

    def test_discover_with_the_db_source_is_read_only(self):
        before = counts(self.db)
        rows = discover(sample_text(), "ICX-CONST", text_source=unit_version_text_source(self.db))
        self.assertEqual(counts(self.db), before)
        self.assertEqual([r.canonical_address for r in rows if r.body_source == "unit_version"],
                         ["ICX-CONST/ART-001", "ICX-CONST/ART-002"])
        self.assertTrue(UNIT_VERSION_TEXT_SQL.lstrip().upper().startswith("SELECT"))

    def test_live_rows_satisfy_the_adapter_contract(self):
        rows = discover(sample_text(), "ICX-CONST", text_source=unit_version_text_source(self.db))
        self.assertEqual([missing_cut_fields(r) for r in rows], [[]] * len(rows))
        params = LiveExecutionAdapter._rf(rows[1])
        self.assertEqual(params["p_body"], "Current body.")


if __name__ == "__main__":
    unittest.main()
