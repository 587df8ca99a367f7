// Deploy manifests (`<sha256>  <path>` lines, sorted) and comparing a tree against one.

/** Byte-order comparison of two paths (what `LC_ALL=C sort` does), so manifests match across machines. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Renders `<sha256>  <path>` lines sorted by path in byte order, newline-terminated. */
export function formatManifest(hashes: Map<string, string>): string {
  const paths = [...hashes.keys()].sort(byteOrder);
  return paths.map((p) => `${hashes.get(p)}  ${p}\n`).join('');
}

/** Parses manifest text; throws naming the first malformed line. */
export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`manifest line ${i + 1} is not "<sha256>  <path>"`);
    out.set(m[2].replace(/^\.\//, ''), m[1]);
  });
  return out;
}

export interface TreeComparison {
  matched: number;
  total: number;
  mismatched: string[];
  missing: string[];
  extra: string[];
  ignored: string[];
}

/** Compares actual file hashes with a manifest; `ignore` drops extra files such as caches. */
export function compareWithManifest(
  expected: Map<string, string>,
  actual: Map<string, string>,
  ignore: (p: string) => boolean = () => false,
): TreeComparison {
  const r: TreeComparison = { matched: 0, total: expected.size, mismatched: [], missing: [], extra: [], ignored: [] };
  for (const [path, sha] of expected) {
    const got = actual.get(path);
    if (got === undefined) r.missing.push(path);
    else if (got === sha) r.matched++;
    else r.mismatched.push(path);
  }
  for (const path of actual.keys()) {
    if (expected.has(path)) continue;
    (ignore(path) ? r.ignored : r.extra).push(path);
  }
  for (const list of [r.mismatched, r.missing, r.extra, r.ignored]) list.sort(byteOrder);
  return r;
}

/** True when the tree is exactly the manifest (ignored files aside). */
export function isExactMatch(c: TreeComparison): boolean {
  return c.matched === c.total && c.extra.length === 0 && c.missing.length === 0 && c.mismatched.length === 0;
}
