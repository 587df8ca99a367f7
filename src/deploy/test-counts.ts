// A small parser for test-runner summaries (python unittest, pytest); gates/tests.ts on main has the full one.

export interface TestCounts {
  runner: 'unittest' | 'pytest' | 'unknown';
  ran: number | null;
  passed: number | null;
  failed: number;
  errors: number;
  skipped: number;
  /** The runner's own verdict line said OK / no failures. */
  ok: boolean;
}

/** Parses `Ran N tests` + `OK`/`FAILED (failures=a, errors=b)` or pytest's `N passed, M failed`. */
export function parseTestCounts(output: string): TestCounts {
  const ran = /^Ran (\d+) tests? in /m.exec(output);
  if (ran) {
    const n = Number(ran[1]);
    const failedLine = /^FAILED \(([^)]*)\)/m.exec(output);
    const num = (k: string) => Number(new RegExp(`${k}=(\\d+)`).exec(failedLine?.[1] ?? '')?.[1] ?? 0);
    const okLine = /^OK(?: \(([^)]*)\))?\s*$/m.exec(output);
    const skipped = Number(/skipped=(\d+)/.exec(okLine?.[1] ?? failedLine?.[1] ?? '')?.[1] ?? 0);
    const failed = num('failures') + num('unexpected successes');
    const errors = num('errors');
    return { runner: 'unittest', ran: n, passed: n - failed - errors - skipped, failed, errors, skipped, ok: !!okLine && !failedLine };
  }
  const py = /=+ (.*\b(?:passed|failed|error|errors|skipped)\b.*) in [\d.]+s/m.exec(output);
  if (py) {
    const n = (k: string) => Number(new RegExp(`(\\d+) ${k}`).exec(py[1])?.[1] ?? 0);
    const passed = n('passed');
    const failed = n('failed');
    const errors = n('errors?');
    const skipped = n('skipped');
    return { runner: 'pytest', ran: passed + failed + errors, passed, failed, errors, skipped, ok: failed === 0 && errors === 0 };
  }
  return { runner: 'unknown', ran: null, passed: null, failed: 0, errors: 0, skipped: 0, ok: false };
}
