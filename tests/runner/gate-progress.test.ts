// Gates with long work say what they are doing through ctx.log, and the runner's context passes each command's last
// output line there too (the gate-output events the screen shows): tests and artifact on real processes and a git repo.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import artifact from '../../gates/artifact.js';
import tests from '../../gates/tests.js';
import { createContext } from '../../src/context/create-context.js';
import { Ledger } from '../../src/context/ledger.js';
import type { GateContext } from '../../src/gate.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

let repo: TestRepo;
beforeAll(async () => {
  repo = await makeRepo({ 'app.py': 'print(1)\n', 'lib/util.py': 'X = 1\n', '.env': 'TOKEN=abcdefgh\n' });
});
afterAll(() => {
  repo.remove();
  cleanupTemp();
});

/** The runner's real context for one gate, with its log collected as the gate-output events would carry it. */
function context(): { ctx: GateContext; logs: string[] } {
  const logs: string[] = [];
  const ctx = createContext({
    gateId: 'G1',
    host: 'local',
    ledger: new Ledger('source'),
    signal: new AbortController().signal,
    target: { name: 'test', file: null, hosts: {}, paths: {} },
    run: { id: 'test-run', macroId: 'T', dir: tempDir('gaterun-run-') },
    facts: {},
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`) },
    redact: (s) => s.split('abcdefgh').join('[secure]'),
  });
  return { ctx, logs };
}

describe('progress through ctx.log', () => {
  test('tests: the command it runs, then the runner output lines as they come', async () => {
    const { ctx, logs } = context();
    const dir = tempDir();
    writeFileSync(join(dir, 'test_a.py'), 'import unittest\nclass T(unittest.TestCase):\n    def test_a(self): pass\n');
    const command = `python3 -m unittest discover -v -s ${dir}`;
    const r = await tests.run(ctx, { command });
    expect(r.status).toBe('PASS');
    expect(logs[0]).toBe(`running ${command}`);
    // The runner's own lines (stderr, -v), the last one last: `OK` (a line throttled behind another comes at most
    // 100 ms later).
    await new Promise((res) => setTimeout(res, 250));
    expect(logs.at(-1)).toBe('OK');
  });

  test('artifact: reading the tree, export-ignore, packing and hashing N files, writing the manifest', async () => {
    const { ctx, logs } = context();
    const r = await artifact.run(ctx, { repo: repo.dir, name: 'app', out: tempDir() });
    expect(r.status).toBe('PASS');
    const steps = logs.filter((l) => /^(reading the tree|checking export-ignore|packing and hashing|writing .*DEPLOY-MANIFEST)/.test(l));
    expect(steps).toEqual([
      `reading the tree of HEAD in ${repo.dir}`,
      // Read by the build exec beside the archive (before it only when a forbid: glob matches a candidate).
      'checking export-ignore attributes of 3 paths (while packing)',
      expect.stringMatching(/^packing and hashing 2 files \(\d+ KiB\) into app-[0-9a-f]{7}\.tar\.gz$/),
      expect.stringMatching(/^writing .*\/DEPLOY-MANIFEST-[0-9a-f]{7}\.txt \(2 sha256 lines\)$/),
    ]);
  });
});
