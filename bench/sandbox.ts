// Sandboxed exec (bubblewrap, read-only root, private /tmp, PID namespace) against a plain spawn of the
// same program, local and over SSH, side by side in one session. Goal (issue 11): ≤ +15 ms a command.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { runExec, type ExecDeps } from '../src/context/exec.js';
import { closeHosts, commandForHost, type HostSpec } from '../src/context/hosts.js';
import { Ledger } from '../src/context/ledger.js';
import { clearSandboxCache, detectSandbox, SANDBOX_ENV, wrapCommand } from '../src/context/sandbox.js';
import { startSshd, sshdAvailable } from '../tests/helpers/sshd.js';
import { isMain, sideBySide, type BenchRow } from './lib.js';

const RUNS = 30;
const GOAL_MS = 15;

function deps(host: HostSpec, runDir: string): ExecDeps {
  return {
    ledger: new Ledger('none'),
    gateId: 'G0',
    host,
    signal: new AbortController().signal,
    redact: (s) => s,
    resolveHost: () => host,
    runDir,
    target: { name: 'bench', file: null, hosts: {}, paths: {} },
  };
}

async function expectSandbox(d: ExecDeps, want: 'bwrap' | 'none'): Promise<void> {
  const r = await runExec(d, 'true', []);
  const got = (d.ledger.entries.at(-1)?.detail as { sandbox?: string } | undefined)?.sandbox;
  if (r.exitCode !== 0 || got !== want) throw new Error(`expected sandbox ${want}, got ${got} (exit ${r.exitCode}: ${r.stderr})`);
}

/** Runs the sandbox benchmark and returns its rows. */
export async function benchSandbox(): Promise<BenchRow[]> {
  const saved = process.env[SANDBOX_ENV];
  delete process.env[SANDBOX_ENV];
  clearSandboxCache();
  const runDir = mkdtempSync(join(tmpdir(), 'gaterun-bench-sbx-'));
  const tmpEntries = readdirSync('/tmp').length;
  const rows: BenchRow[] = [];
  try {
    const local: HostSpec = { name: 'local', kind: 'local', url: 'local' };
    const det = await detectSandbox(local, { runKey: runDir });
    if (!det.available) throw new Error(`no sandbox on this machine: ${det.reason}`);
    const d = deps(local, runDir);
    await expectSandbox(d, 'bwrap');
    const r = await sideBySide(
      'sandboxed exec, local',
      RUNS,
      () => runExec(d, 'true', []),
      () => execa('true', [], { reject: false, stdin: 'ignore' }),
      ['runExec in bwrap', 'plain execa spawn'],
    );
    rows.push({
      name: 'sandboxed exec, local (`true` in bwrap: read-only /, private /tmp, PID namespace, ledger entry)',
      baseline: 'plain execa spawn of `true`',
      ours: `${r.ours.toFixed(1)} ms`,
      oursMs: r.ours,
      baselineMs: r.baseline,
      result: `+${(r.ours - r.baseline).toFixed(1)} ms a command`,
      goal: `≤ +${GOAL_MS} ms a command`,
      met: r.ours - r.baseline <= GOAL_MS,
      command: 'node dist/bench/sandbox.js',
      note: `${det.reason}; /tmp held ${tmpEntries} entries (one symlink each in the private /tmp)`,
    });

    // Where the time goes: bwrap's own start with and without the private /tmp's symlinks (one per host /tmp entry).
    const withLinks = wrapCommand(['true'], { writable: [runDir] });
    const noLinks = wrapCommand(['true'], { writable: [runDir], tmpEntries: [] });
    const b = await sideBySide(
      'bwrap start, /tmp symlinks',
      RUNS,
      () => execa(withLinks[0], withLinks.slice(1), { stdin: 'ignore' }),
      () => execa(noLinks[0], noLinks.slice(1), { stdin: 'ignore' }),
      [`bwrap with ${tmpEntries} /tmp symlinks`, 'bwrap with none'],
    );
    rows.push({
      name: `bwrap start: private /tmp with one symlink per host /tmp entry (${tmpEntries}) vs none`,
      baseline: 'the same bwrap argv without the symlinks',
      ours: `${b.ours.toFixed(1)} ms`,
      oursMs: b.ours,
      baselineMs: b.baseline,
      result: `+${(b.ours - b.baseline).toFixed(1)} ms (${(((b.ours - b.baseline) / Math.max(tmpEntries, 1)) * 1000).toFixed(0)} µs an entry)`,
      goal: 'report',
      met: null,
      command: 'node dist/bench/sandbox.js',
      note: 'the sandbox cost grows with the number of entries in the host /tmp (the test suite leaves many)',
    });

    if (sshdAvailable()) {
      const sshd = await startSshd();
      try {
        const vps = sshd.spec('vps');
        const ds = deps(vps, runDir);
        await expectSandbox(ds, 'bwrap');
        const plain = commandForHost(vps, 'true', []);
        const s = await sideBySide(
          'sandboxed exec, SSH',
          RUNS,
          () => runExec(ds, 'true', []),
          () => execa(plain.file, plain.args, { reject: false, stdin: 'ignore' }),
          ['runExec over ssh in bwrap', 'plain ssh host true'],
        );
        rows.push({
          name: 'sandboxed exec over SSH (sshd on 127.0.0.1, ControlMaster; bwrap on the host)',
          baseline: 'plain `ssh host true` on the same master',
          ours: `${s.ours.toFixed(1)} ms`,
          oursMs: s.ours,
          baselineMs: s.baseline,
          result: `+${(s.ours - s.baseline).toFixed(1)} ms a command`,
          goal: `≤ +${GOAL_MS} ms a command`,
          met: s.ours - s.baseline <= GOAL_MS,
          command: 'node dist/bench/sandbox.js',
          note: 'ours also writes the remote pid file for cancellation and lists the host /tmp for the private /tmp',
        });
      } finally {
        await closeHosts();
        await sshd.stop();
      }
    }
  } finally {
    if (saved === undefined) delete process.env[SANDBOX_ENV];
    else process.env[SANDBOX_ENV] = saved;
    rmSync(runDir, { recursive: true, force: true });
  }
  return rows;
}

if (isMain(import.meta.url)) {
  for (const row of await benchSandbox())
    console.log(`${row.name}: ${row.result} (goal ${row.goal}) — ${row.met === null ? 'reported' : row.met ? 'met' : 'missed'}`);
}
