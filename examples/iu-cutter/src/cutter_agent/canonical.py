"""Canonical addresses of information units: DOC/ART-001/CL-02, DOC/ANX-A, DOC/PREAMBLE."""

from __future__ import annotations

import re
from typing import List, Tuple

SECTION_TYPES = ("preamble", "article", "clause", "section", "annex")

_PART_RE = re.compile(r"^(PREAMBLE|ART-\d{3}|CL-\d{2}|SEC-\d{2}|ANX-[A-Z])$")
_DOC_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$")


class AddressError(ValueError):
    pass


def article_part(n: int) -> str:
    if not 1 <= n <= 999:
        raise AddressError(f"article number {n} out of range 1..999")
    return f"ART-{n:03d}"


def clause_part(n: int) -> str:
    if not 1 <= n <= 99:
        raise AddressError(f"clause number {n} out of range 1..99")
    return f"CL-{n:02d}"


def annex_part(letter: str) -> str:
    letter = letter.strip().upper()
    if not re.match(r"^[A-Z]$", letter):
        raise AddressError(f"annex letter {letter!r} must be a single letter")
    return f"ANX-{letter}"


def canonical_address(doc_code: str, *parts: str) -> str:
    if not _DOC_RE.match(doc_code):
        raise AddressError(f"document code {doc_code!r} is not canonical")
    for p in parts:
        if not _PART_RE.match(p):
            raise AddressError(f"address part {p!r} is not canonical")
    return "/".join((doc_code,) + parts)


def parse_address(address: str) -> Tuple[str, List[str]]:
    doc, *parts = address.split("/")
    canonical_address(doc, *parts)  # validates
    return doc, parts


def parent_address(address: str) -> str:
    doc, parts = parse_address(address)
    return "/".join([doc] + parts[:-1]) if parts else ""


def section_type_of(address: str) -> str:
    _, parts = parse_address(address)
    if not parts:
        raise AddressError("a bare document code has no section type")
    last = parts[-1]
    return {"PREAMBLE": "preamble", "ART": "article", "CL": "clause", "SEC": "section", "ANX": "annex"}[
        last.split("-")[0]
    ]
