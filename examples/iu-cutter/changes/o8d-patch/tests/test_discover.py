import json
import unittest

from cutter_agent.canonical import SECTION_TYPES
from cutter_agent.discover import (DiscoverError, CutplanRow, cutplan_digest, discover, is_placeholder_body,
                                  placeholder_body, rows_to_jsonl)
from support import sample_text

EXPECTED = [
    "ICX-CONST/PREAMBLE", "ICX-CONST/ART-001", "ICX-CONST/ART-001/CL-01", "ICX-CONST/ART-001/CL-02",
    "ICX-CONST/ART-002", "ICX-CONST/ART-002/CL-01", "ICX-CONST/ART-002/CL-02", "ICX-CONST/ART-003",
    "ICX-CONST/ART-004", "ICX-CONST/ANX-A",
]


class Discover(unittest.TestCase):
    def setUp(self):
        self.rows = discover(sample_text(), "ICX-CONST")

    def test_sample_yields_every_unit_in_document_order(self):
        self.assertEqual([r.canonical_address for r in self.rows], EXPECTED)
        self.assertEqual([r.ordinal for r in self.rows], list(range(1, len(EXPECTED) + 1)))

    def test_section_types_and_parents(self):
        by = {r.canonical_address: r for r in self.rows}
        self.assertEqual(by["ICX-CONST/ART-002/CL-01"].section_type, "clause")
        self.assertEqual(by["ICX-CONST/ART-002/CL-01"].parent_address, "ICX-CONST/ART-002")
        self.assertEqual(by["ICX-CONST/ANX-A"].section_type, "annex")
        self.assertEqual(by["ICX-CONST/PREAMBLE"].section_type, "preamble")
        self.assertTrue(all(r.section_type in SECTION_TYPES for r in self.rows))

    def test_line_spans_exclude_trailing_blank_lines(self):
        by = {r.canonical_address: r for r in self.rows}
        art4 = by["ICX-CONST/ART-004"]
        lines = sample_text().splitlines()
        self.assertTrue(lines[art4.line_start - 1].startswith("## Article 4"))
        self.assertTrue(lines[art4.line_end - 1].strip())

    def test_digest_changes_with_the_text_of_one_unit_only(self):
        changed = discover(sample_text().replace("once a year", "twice a year"), "ICX-CONST")
        diff = [a.canonical_address for a, b in zip(self.rows, changed) if a.content_sha256 != b.content_sha256]
        self.assertEqual(diff, ["ICX-CONST/ART-003"])
        self.assertNotEqual(cutplan_digest(self.rows), cutplan_digest(changed))
        self.assertEqual(cutplan_digest(self.rows), cutplan_digest(discover(sample_text(), "ICX-CONST")))

    def test_rows_are_enriched_with_title_body_kind_and_owner(self):
        by = {r.canonical_address: r for r in self.rows}
        art2 = by["ICX-CONST/ART-002"]
        self.assertEqual(art2.title, "Membership")
        self.assertEqual(by["ICX-CONST/ART-002/CL-02"].title, "Leaving")
        self.assertEqual(by["ICX-CONST/PREAMBLE"].title, "Preamble")
        self.assertEqual((art2.unit_kind, by["ICX-CONST/ANX-A"].unit_kind), ("article", "annex"))
        self.assertTrue(all(r.owner_ref == "owner/cutter" for r in self.rows))

    def test_body_is_a_marked_placeholder_until_live_text_is_sourced(self):
        for r in self.rows:
            self.assertTrue(is_placeholder_body(r.body), r.canonical_address)
            self.assertIn(r.canonical_address, r.body)
        self.assertFalse(is_placeholder_body("Membership is open to any person."))
        self.assertEqual(placeholder_body("X/ART-001"), self.rows[0].body.replace("ICX-CONST/PREAMBLE", "X/ART-001"))

    def test_untitled_heading_uses_the_unit_label_and_owner_is_configurable(self):
        rows = discover("## Article 7\nText.\n", "ICX-T", owner_ref="owner/9")
        self.assertEqual((rows[0].title, rows[0].owner_ref), ("ART-007", "owner/9"))
        with self.assertRaises(ValueError):
            discover("## Article 7\nText.\n", "ICX-T", owner_ref=" ")

    def test_bare_row_defaults_are_empty(self):
        bare = CutplanRow("ICX-T/ART-001", "article", 1, "ICX-T", 1, 1, "0" * 64)
        self.assertEqual((bare.title, bare.body, bare.unit_kind, bare.owner_ref), ("", "", "", ""))

    def test_jsonl_round_trip(self):
        lines = rows_to_jsonl(self.rows).splitlines()
        self.assertEqual(len(lines), len(self.rows))
        self.assertEqual(json.loads(lines[1])["canonical_address"], "ICX-CONST/ART-001")

    def test_duplicate_article_is_an_error_with_its_line(self):
        with self.assertRaises(DiscoverError) as cm:
            discover("## Article 1 — A\nx\n## Article 1 — again\ny\n", "ICX-T")
        self.assertEqual(cm.exception.line, 3)

    def test_clause_outside_article_and_unknown_heading(self):
        with self.assertRaises(DiscoverError):
            discover("### Clause 1 — Orphan\ntext\n", "ICX-T")
        with self.assertRaises(DiscoverError):
            discover("## Chapter 1\ntext\n", "ICX-T")

    def test_empty_document_has_no_units(self):
        with self.assertRaises(DiscoverError):
            discover("# Only a title\n\n", "ICX-T")


if __name__ == "__main__":
    unittest.main()
