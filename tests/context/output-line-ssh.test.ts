// The running command's last output line over SSH (real sshd on 127.0.0.1, the command sandboxed on the host): it
// arrives while the remote command still runs, redacted.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExec, type ExecDeps } from '../../src/context/exec.js';
import { Ledger } from '../../src/context/ledger.js';
import { Redactor } from '../../src/report/redact.js';
import { startHosts, type TestHosts } from '../helpers/hosts.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

let hosts: TestHosts;
beforeAll(async () => {
  hosts = await startHosts();
});
afterAll(async () => {
  await hosts.stop();
  cleanupTemp();
});

const SECRET = 'remote-Secret-8fK2x9';

describe('runExec on an SSH host follows the output', () => {
  test('the line arrives before the remote command ends; a secret in it is [secure]', async () => {
    const vps = hosts.hosts.vps;
    const go = join(tempDir(), 'go');
    const seen: string[] = [];
    const d: ExecDeps = {
      ledger: new Ledger('none'),
      gateId: 'G1',
      host: vps,
      signal: new AbortController().signal,
      redact: (s) => new Redactor().add(SECRET).redact(s),
      resolveHost: () => vps,
      runDir: tempDir('gaterun-run-'),
      target: { name: 't', file: null, hosts: {}, paths: {} },
      onLine: (l) => {
        seen.push(l);
        if (l.startsWith('ready')) writeFileSync(go, '');
      },
    };
    // The remote command waits for a file the listener writes: without streaming it could only end by its timeout.
    const r = await runExec(d, 'sh', ['-c', `echo "ready ${SECRET}"; while [ ! -e ${go} ]; do sleep 0.05; done; echo finished`], {
      timeout: 30,
    });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(seen[0]).toBe('ready [secure]');
    expect((d.ledger.entries[0].detail as { sandbox: string }).sandbox).toBe('bwrap');
  });
});
