// Reads machine-readable test reports: JUnit XML (pytest --junitxml, node --test-reporter=junit, jest-junit) and `go test -json`.
import type * as Fxp from 'fast-xml-parser';
import { createRequire } from 'node:module';
import type { TestReading } from './test-counts.js';

/** A text value of the parsed XML (strings and numbers; anything else is not text). */
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

const firstLine = (s: unknown): string =>
  str(s)
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean) ?? '';

type XmlNode = Record<string, unknown>;
const asArray = (v: unknown): XmlNode[] => (v === undefined ? [] : Array.isArray(v) ? (v as XmlNode[]) : [v as XmlNode]);
const text = (n: unknown): string => (typeof n === 'object' && n !== null ? str((n as XmlNode)['#text']) : str(n));
const attr = (n: unknown, name: string): string | undefined => {
  if (typeof n !== 'object' || n === null) return undefined;
  const v = (n as XmlNode)[`@_${name}`];
  return v === undefined ? undefined : str(v);
};

/** Every <testcase> under a node, however deeply suites nest (node's reporter nests one per describe). */
function testcases(node: XmlNode, out: XmlNode[] = []): XmlNode[] {
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_') || k === '#text') continue;
    for (const child of asArray(v)) {
      if (typeof child !== 'object' || child === null) continue;
      if (k === 'testcase') out.push(child);
      else testcases(child, out);
    }
  }
  return out;
}

/**
 * Counts and failing tests from a JUnit XML report. A testcase with <failure> is failed, with <error> an error, with
 * <skipped> skipped (pytest writes xfail as skipped and a non-strict XPASS as a plain pass, as pytest itself counts them);
 * the rest passed. Throws when the text is not XML or has no <testsuites>/<testsuite> root.
 */
export function readJUnit(xml: string): TestReading {
  // Loaded on first use: only a tests gate with a JUnit report needs the XML parser.
  const { XMLParser } = createRequire(import.meta.url)('fast-xml-parser') as typeof Fxp;
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    htmlEntities: true, // pytest writes newlines in messages as &#10;
  });
  const doc = parser.parse(xml, true) as XmlNode;
  const root = (doc.testsuites ?? doc.testsuite) as XmlNode | undefined;
  if (root === undefined) throw new Error('no <testsuites> or <testsuite> element');
  const cases = testcases(typeof root === 'object' && root !== null ? { testsuite: root } : {});
  const r: TestReading = {
    format: 'junit',
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    total: cases.length,
    failedTests: [],
    notes: [],
    extra: {},
  };
  for (const c of cases) {
    const name = [attr(c, 'classname'), attr(c, 'name')].filter(Boolean).join('::') || '(unnamed test)';
    const failure = asArray(c.failure)[0];
    const error = asArray(c.error)[0];
    if (failure !== undefined || error !== undefined) {
      const node = failure ?? error;
      if (failure !== undefined) r.failed!++;
      else r.errors!++;
      r.failedTests.push({ name, message: firstLine(attr(node, 'message')) || firstLine(text(node)) || (failure ? 'failed' : 'error') });
    } else if (c.skipped !== undefined) r.skipped!++;
    else r.passed!++;
  }
  return r;
}

interface GoEvent {
  Action?: string;
  Package?: string;
  Test?: string;
  Output?: string;
}

/**
 * Counts from `go test -json` (JSON lines): every test and subtest that ends pass, fail or skip, as `go test -v` counts
 * its `---` lines; a package that fails with no failing test (build error, panic in init) counts as an error. Null when
 * no JSON test events are found.
 */
export function readGoJson(stdout: string): TestReading | null {
  const events: GoEvent[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      events.push(JSON.parse(t) as GoEvent);
    } catch {
      /* a non-JSON line (e.g. a build message) is not an event */
    }
  }
  if (!events.some((e) => e.Action && e.Package)) return null;
  const r: TestReading = {
    format: 'go-json',
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    total: 0,
    failedTests: [],
    notes: [],
    extra: {},
  };
  const output = new Map<string, string[]>();
  const failedPackages = new Set<string>();
  const packagesWithFailedTests = new Set<string>();
  let subtests = 0;
  for (const e of events) {
    const key = `${e.Package} ${e.Test ?? ''}`;
    if (e.Action === 'output') {
      output.set(key, [...(output.get(key) ?? []), e.Output ?? '']);
      continue;
    }
    if (e.Action !== 'pass' && e.Action !== 'fail' && e.Action !== 'skip') continue;
    if (!e.Test) {
      if (e.Action === 'fail') failedPackages.add(e.Package ?? '?');
      continue;
    }
    r.total!++;
    if (e.Test.includes('/')) subtests++;
    if (e.Action === 'pass') r.passed!++;
    else if (e.Action === 'skip') r.skipped!++;
    else {
      r.failed!++;
      packagesWithFailedTests.add(e.Package ?? '?');
      const lines = (output.get(key) ?? []).join('').split('\n');
      const msg = lines.map((l) => l.trim()).find((l) => l && !/^(=== (RUN|PAUSE|CONT)|--- (FAIL|PASS|SKIP):)/.test(l));
      r.failedTests.push({ name: `${e.Package}.${e.Test}`, message: msg ?? 'failed' });
    }
  }
  for (const pkg of failedPackages) {
    if (packagesWithFailedTests.has(pkg)) continue;
    r.errors!++;
    const lines = (output.get(`${pkg} `) ?? []).join('').split('\n');
    const msg = lines.map((l) => l.trim()).find((l) => l && l !== 'FAIL' && !l.startsWith('FAIL\t'));
    r.failedTests.push({ name: pkg, message: msg ?? 'package failed without a failing test (build error or panic)' });
  }
  if (subtests) r.notes.push(`${subtests} of the ${r.total} are subtests (counted like go test -v's --- lines)`);
  return r;
}
