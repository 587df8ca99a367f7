// End to end: the built binary (dist/src/cli.js, by its shebang) runs the SELFCHECK example macro on this repository.
import { describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

describe('gaterun run SELFCHECK (built binary)', () => {
  test('runs SELFCHECK to A and leaves a complete run directory', async () => {
    const out = join(tempDir(), 'run');
    const r = await execa(cliPath, ['run', 'macros/SELFCHECK.yaml', '--target', 'examples/selfcheck/target.yaml', '--out', out], {
      cwd: repoRoot,
      reject: false,
      env: { CI: 'true', GATERUN_SIGNING_KEY: '', XDG_CONFIG_HOME: tempDir() },
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('final_outcome: A — SELFCHECK_PASS');
    expect(r.stdout).toMatch(/✔ G2 example-tests — PASS: 5\/5 passed/);
    for (const f of [
      '01-precheck-repo.md',
      '02-typecheck.md',
      '03-example-tests.md',
      '04-tracked-files.md',
      '05-final-selfcheck-report.md',
      'run.json',
      'ledger.jsonl',
    ])
      expect(existsSync(join(out, f))).toBe(true);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.criteria.every((c: { met: boolean }) => c.met)).toBe(true);
    const final = readFileSync(join(out, '05-final-selfcheck-report.md'), 'utf8');
    // Every figure in the roll-up comes from run.json.
    expect(final).toContain(`run: ${run.run_id}`);
    expect(final).toContain(`| G2 | example test suite (node --test) | PASS | ${run.gates[2].summary} (Report 03) |`);
    expect(final).toContain(`The ledger holds ${run.ledger_entries} entries, none of them a permitted change outside the run directory.`);
    rmSync(out, { recursive: true, force: true });
  }, 120000);
});
