import unittest

from cutter_agent.canonical import (AddressError, annex_part, article_part, canonical_address, clause_part,
                                    parent_address, parse_address, section_type_of)


class Canonical(unittest.TestCase):
    def test_parts_are_zero_padded(self):
        self.assertEqual(article_part(3), "ART-003")
        self.assertEqual(clause_part(2), "CL-02")
        self.assertEqual(annex_part("b"), "ANX-B")

    def test_out_of_range_parts(self):
        for fn, arg in ((article_part, 0), (article_part, 1000), (clause_part, 100), (annex_part, "AB")):
            with self.assertRaises(AddressError):
                fn(arg)

    def test_address_round_trip(self):
        a = canonical_address("ICX-CONST", "ART-003", "CL-02")
        self.assertEqual(a, "ICX-CONST/ART-003/CL-02")
        self.assertEqual(parse_address(a), ("ICX-CONST", ["ART-003", "CL-02"]))

    def test_non_canonical_addresses_rejected(self):
        for bad in ("icx/ART-001", "ICX/ART-1", "ICX/ART-001/XYZ"):
            with self.assertRaises(AddressError):
                parse_address(bad)

    def test_parent_and_section_type(self):
        self.assertEqual(parent_address("ICX-CONST/ART-003/CL-02"), "ICX-CONST/ART-003")
        self.assertEqual(section_type_of("ICX-CONST/ART-003/CL-02"), "clause")
        self.assertEqual(section_type_of("ICX-CONST/ANX-A"), "annex")
        self.assertEqual(section_type_of("ICX-CONST/PREAMBLE"), "preamble")


if __name__ == "__main__":
    unittest.main()
