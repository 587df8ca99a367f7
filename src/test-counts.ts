// Parses test counts out of the output of common test runners.

export type TestFormat = 'unittest' | 'pytest' | 'jest' | 'node' | 'go';
export interface TestCounts {
  format: TestFormat;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  total: number;
}

const num = (s: string | undefined) => (s ? Number(s) : 0);

function unittest(out: string): TestCounts | null {
  const ran = [...out.matchAll(/^Ran (\d+) tests? in [\d.]+s$/gm)].pop();
  if (!ran) return null;
  const total = Number(ran[1]);
  const tail = out.slice(ran.index + ran[0].length);
  const ok = /^OK(?: \(([^)]*)\))?\s*$/m.exec(tail);
  const bad = /^FAILED \(([^)]*)\)\s*$/m.exec(tail);
  if (!ok && !bad) return null;
  const kv = Object.fromEntries(
    (ok?.[1] ?? bad?.[1] ?? '')
      .split(',')
      .map((p) => p.trim().split('='))
      .filter((p) => p.length === 2)
      .map(([k, v]) => [k, Number(v)]),
  );
  const failed = (kv.failures ?? 0) + (kv['unexpected successes'] ?? 0);
  const errors = kv.errors ?? 0;
  const skipped = kv.skipped ?? 0;
  return { format: 'unittest', total, failed, errors, skipped, passed: total - failed - errors - skipped };
}

function pytest(out: string): TestCounts | null {
  const line = [...out.matchAll(/^=+ (.*\b(?:passed|failed|error|errors|skipped|no tests ran)\b.*) in [\d.]+s(?: \([^)]*\))? =+$/gm)].pop();
  if (!line) return null;
  const c: Record<string, number> = {};
  for (const m of line[1].matchAll(/(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)/g))
    c[m[2].replace(/s$/, '').replace(/^warning$/, 'warning')] = Number(m[1]);
  const passed = (c.passed ?? 0) + (c.xfailed ?? 0);
  const failed = (c.failed ?? 0) + (c.xpassed ?? 0);
  const errors = c.error ?? 0;
  const skipped = c.skipped ?? 0;
  return { format: 'pytest', passed, failed, errors, skipped, total: passed + failed + errors + skipped };
}

function jest(out: string): TestCounts | null {
  const m = [...out.matchAll(/^Tests:\s+(.*\d+ total)\s*$/gm)].pop();
  if (!m) return null;
  const get = (w: string) => num(new RegExp(`(\\d+) ${w}`).exec(m[1])?.[1]);
  const skipped = get('skipped') + get('todo');
  return { format: 'jest', passed: get('passed'), failed: get('failed'), errors: 0, skipped, total: get('total') };
}

function node(out: string): TestCounts | null {
  const get = (w: string) => {
    const all = [...out.matchAll(new RegExp(`^(?:#|ℹ) ${w} (\\d+)\\s*$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : null;
  };
  const total = get('tests');
  if (total === null) return null;
  const failed = get('fail') ?? 0;
  const cancelled = get('cancelled') ?? 0;
  const skipped = (get('skipped') ?? 0) + (get('todo') ?? 0);
  return { format: 'node', total, passed: get('pass') ?? 0, failed, errors: cancelled, skipped };
}

function go(out: string): TestCounts | null {
  const pass = (out.match(/^\s*--- PASS: /gm) ?? []).length;
  const fail = (out.match(/^\s*--- FAIL: /gm) ?? []).length;
  const skip = (out.match(/^\s*--- SKIP: /gm) ?? []).length;
  const panics = (out.match(/^panic: /gm) ?? []).length;
  if (pass + fail + skip === 0) return null;
  return { format: 'go', passed: pass, failed: fail, errors: panics, skipped: skip, total: pass + fail + skip };
}

const PARSERS: Record<TestFormat, (out: string) => TestCounts | null> = { unittest, pytest, jest, node, go };

/** Finds the counts in a test run's output; with `format` only that runner's syntax is tried. */
export function parseTestCounts(output: string, format?: TestFormat | 'auto'): TestCounts | null {
  const text = output.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '').replace(/\r\n/g, '\n');
  if (format && format !== 'auto') return PARSERS[format](text);
  for (const f of ['unittest', 'pytest', 'jest', 'node', 'go'] as TestFormat[]) {
    const c = PARSERS[f](text);
    if (c) return c;
  }
  return null;
}
