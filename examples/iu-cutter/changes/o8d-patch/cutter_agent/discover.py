"""discover: turns a document's text into cut-plan rows.

Document shape (Markdown):

    # Title of the document          (not a unit)
    text before the first '##'       -> PREAMBLE
    ## Preamble                      -> PREAMBLE (explicit)
    ## Article 3 — Scope             -> ART-003
    ### Clause 2 — Definitions       -> ART-003/CL-02
    ## Annex A — Glossary            -> ANX-A

Each row carries where the unit is, a digest of its text, and the content
fn_iu_create needs (F2, O8D): title (from the heading), body, unit_kind and
owner_ref. The authoritative body of a unit lives in unit_version; until it is
sourced from there, body is a marked placeholder (PLACEHOLDER_PREFIX).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from typing import Iterable, List, Optional

from .canonical import annex_part, article_part, canonical_address, clause_part

_ARTICLE = re.compile(r"^##\s+Article\s+(\d+)\s*(?:[—:.-]+\s*(.*))?$", re.I)
_CLAUSE = re.compile(r"^###\s+Clause\s+(\d+)\s*(?:[—:.-]+\s*(.*))?$", re.I)
_ANNEX = re.compile(r"^##\s+Annex\s+([A-Za-z])\s*(?:[—:.-]+\s*(.*))?$", re.I)
_PREAMBLE = re.compile(r"^##\s+Preamble\s*$", re.I)


PLACEHOLDER_PREFIX = "[placeholder body]"
UNIT_KINDS = {"preamble": "article", "article": "article", "clause": "article", "section": "article",
              "annex": "annex"}


def placeholder_body(address: str) -> str:
    return f"{PLACEHOLDER_PREFIX} {address} — live text not yet sourced from unit_version"


def is_placeholder_body(body: str) -> bool:
    return body.startswith(PLACEHOLDER_PREFIX)


class DiscoverError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(f"line {line}: {message}")


@dataclasses.dataclass(frozen=True)
class CutplanRow:
    canonical_address: str
    section_type: str
    ordinal: int
    parent_address: str
    line_start: int
    line_end: int
    content_sha256: str
    title: str = ""
    body: str = ""
    unit_kind: str = ""
    owner_ref: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class _Section:
    address: str
    section_type: str
    parent: str
    line_start: int
    heading: str
    lines: List[str] = dataclasses.field(default_factory=list)
    line_end: int = 0

    def text(self) -> str:
        return "\n".join(l.rstrip() for l in self.lines).strip()


def _sections(text: str, doc_code: str) -> List[_Section]:
    sections: List[_Section] = []
    current: Optional[_Section] = None
    article: Optional[str] = None
    seen = set()

    def open_section(addr: str, stype: str, parent: str, lineno: int, heading: str) -> _Section:
        if addr in seen:
            raise DiscoverError(lineno, f"duplicate unit {addr}")
        seen.add(addr)
        sec = _Section(addr, stype, parent, lineno, heading.strip())
        sections.append(sec)
        return sec

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("# ") and not sections:
            continue  # document title
        m = _ARTICLE.match(line)
        if m:
            article = canonical_address(doc_code, article_part(int(m.group(1))))
            current = open_section(article, "article", doc_code, lineno, m.group(2) or "")
            current.line_end = lineno
            continue
        m = _CLAUSE.match(line)
        if m:
            if article is None:
                raise DiscoverError(lineno, "clause outside an article")
            addr = article + "/" + clause_part(int(m.group(1)))
            current = open_section(addr, "clause", article, lineno, m.group(2) or "")
            current.line_end = lineno
            continue
        m = _ANNEX.match(line)
        if m:
            article = None
            addr = canonical_address(doc_code, annex_part(m.group(1)))
            current = open_section(addr, "annex", doc_code, lineno, m.group(2) or "")
            current.line_end = lineno
            continue
        if _PREAMBLE.match(line):
            current = open_section(canonical_address(doc_code, "PREAMBLE"), "preamble", doc_code, lineno, "Preamble")
            current.line_end = lineno
            continue
        if line.startswith("#"):
            raise DiscoverError(lineno, f"unrecognised heading {line!r}")
        if current is None:
            if not line:
                continue
            current = open_section(canonical_address(doc_code, "PREAMBLE"), "preamble", doc_code, lineno, "Preamble")
            current.line_end = lineno
        current.lines.append(raw)
        current.line_end = lineno
    # trailing blank lines do not belong to the last section
    for sec in sections:
        while sec.line_end > sec.line_start and sec.lines and not sec.lines[-1].strip():
            sec.lines.pop()
            sec.line_end -= 1
    return sections


def _title(sec: "_Section") -> str:
    if sec.heading:
        return sec.heading
    # "## Article 3" without a name: title is the unit's own label
    return sec.address.rsplit("/", 1)[-1]


def discover(text: str, doc_code: str, *, owner_ref: str = "owner/cutter") -> List[CutplanRow]:
    """The cut plan of a document: one row per unit, in document order."""
    if not owner_ref or not owner_ref.strip():
        raise ValueError("owner_ref must be non-empty")
    rows = []
    for ordinal, sec in enumerate(_sections(text, doc_code), start=1):
        digest = hashlib.sha256(sec.text().encode("utf-8")).hexdigest()
        rows.append(
            CutplanRow(
                canonical_address=sec.address,
                section_type=sec.section_type,
                ordinal=ordinal,
                parent_address=sec.parent,
                line_start=sec.line_start,
                line_end=sec.line_end,
                content_sha256=digest,
                title=_title(sec),
                body=placeholder_body(sec.address),
                unit_kind=UNIT_KINDS[sec.section_type],
                owner_ref=owner_ref,
            )
        )
    if not rows:
        raise DiscoverError(1, "document has no units")
    return rows


def rows_to_jsonl(rows: Iterable[CutplanRow]) -> str:
    return "".join(json.dumps(r.to_dict(), sort_keys=True, ensure_ascii=False) + "\n" for r in rows)


def cutplan_digest(rows: Iterable[CutplanRow]) -> str:
    """sha256 of the plan's canonical JSONL: same document -> same digest."""
    return hashlib.sha256(rows_to_jsonl(rows).encode("utf-8")).hexdigest()
