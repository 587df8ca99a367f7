// A real, minimal GateContext for tests until the runner's createContext lands on this branch:
// real processes (execa) routed through commandForHost, a real Ledger, facts from a map.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ExecOptions, ExecResult, Facts, GateContext, GateModule, GateResult } from '../../src/gate.js';
import { commandForHost, copyToHost, hostDisplay, newRemotePidFile, remoteKillCommand, shellQuote, type HostSpec } from '../../src/context/hosts.js';
import { Ledger, sha256Hex, type MutationPolicy } from '../../src/context/ledger.js';

export interface TestContextOptions {
  gateId?: string;
  host?: string;
  hosts?: Record<string, HostSpec>;
  policy?: MutationPolicy;
  facts?: Record<string, Facts>;
  signal?: AbortSignal;
  runDir?: string;
  macroId?: string;
  ledger?: Ledger;
}

const tail = (s: string) => (s.length > 2000 ? s.slice(-2000) : s);

/** Builds a GateContext whose exec/shell/hosts really run, and the ledger they write to. */
export function testContext(options: TestContextOptions = {}): { ctx: GateContext; ledger: Ledger; outputs: string[] } {
  const ledger = options.ledger ?? new Ledger(options.policy ?? 'deploy');
  const hosts: Record<string, HostSpec> = { local: { name: 'local', kind: 'local', url: 'local' }, ...(options.hosts ?? {}) };
  const gateId = options.gateId ?? 'G1';
  const defaultHost = options.host ?? 'local';
  const signal = options.signal ?? new AbortController().signal;
  const facts = options.facts ?? {};
  // Every stdout/stderr the gate saw, so tests can check that no secret value reached it via a report.
  const outputs: string[] = [];
  const spec = (name: string) => {
    const s = hosts[name];
    if (!s) throw new Error(`unknown host "${name}"`);
    return s;
  };

  async function exec(file: string, args: string[], o: ExecOptions = {}): Promise<ExecResult> {
    const hostName = o.host ?? defaultHost;
    const h = spec(hostName);
    const display = shellQuote([file, ...args]);
    ledger.authorize({ gate: gateId, action: h.kind === 'ssh' ? 'ssh' : 'exec', target: display, host: hostName, mutating: !!o.mutates, scope: o.scope });
    const pidFile = h.kind === 'ssh' ? newRemotePidFile() : undefined;
    const cmd = commandForHost(h, file, args, h.kind === 'ssh' ? { cwd: o.cwd, env: o.env, pidFile } : {});
    const started = Date.now();
    if (signal.aborted) {
      const seq = ledger.record({ gate: gateId, action: h.kind === 'ssh' ? 'ssh' : 'exec', target: display, host: hostName, mutating: !!o.mutates, scope: o.mutates ? (o.scope ?? 'deploy') : undefined, outcome: 'aborted' });
      return { command: display, exitCode: null, signal: 'SIGTERM', timedOut: false, stdout: '', stderr: 'aborted before start', durationMs: 0, ledgerSeq: seq, evidence: { kind: 'exec', title: display, command: display, exitCode: null, text: 'aborted before start', ledger: [seq] } };
    }
    // Own process group, killed as a whole on abort: a SIGTERM to `sh -c` alone leaves its
    // children holding the output pipes open (execa's cancelSignal would wait for them).
    const child = execa(cmd.file, cmd.args, {
      cwd: h.kind === 'local' ? o.cwd : undefined,
      env: h.kind === 'local' ? o.env : undefined,
      input: o.input,
      stdin: o.input === undefined ? 'ignore' : undefined,
      timeout: o.timeout ? o.timeout * 1000 : undefined,
      detached: true,
      reject: false,
      stripFinalNewline: false,
      maxBuffer: 512 * 1024 * 1024,
    });
    // With ssh ControlMaster the master holds the client's pipes until the remote command ends,
    // so after an abort stop waiting for output (2 s grace) instead of for the remote command.
    let giveUp: (v: null) => void = () => undefined;
    const gaveUp = new Promise<null>((resolve) => { giveUp = resolve; });
    let graceTimer: NodeJS.Timeout | undefined;
    const killGroup = () => {
      try { if (child.pid) process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      if (pidFile) {
        const k = remoteKillCommand(h, pidFile);
        void execa(k.file, k.args, { reject: false, stdin: 'ignore', timeout: 10_000 });
      }
      graceTimer = setTimeout(() => giveUp(null), 2000);
    };
    signal.addEventListener('abort', killGroup, { once: true });
    const r = await Promise.race([child, gaveUp]);
    signal.removeEventListener('abort', killGroup);
    if (graceTimer) clearTimeout(graceTimer);
    if (r === null) {
      const seq = ledger.record({ gate: gateId, action: h.kind === 'ssh' ? 'ssh' : 'exec', target: display, host: hostName, mutating: !!o.mutates, scope: o.mutates ? (o.scope ?? 'deploy') : undefined, outcome: 'aborted' });
      return { command: display, exitCode: null, signal: 'SIGTERM', timedOut: false, stdout: '', stderr: 'aborted', durationMs: Date.now() - started, ledgerSeq: seq, evidence: { kind: 'exec', title: display, command: display, exitCode: null, text: 'aborted', ledger: [seq] } };
    }
    const stdout = String(r.stdout ?? '');
    const stderr = String(r.stderr ?? '');
    outputs.push(stdout, stderr);
    const durationMs = Date.now() - started;
    const outcome = signal.aborted ? 'aborted' : r.timedOut ? 'timeout' : r.exitCode === 0 ? 'ok' : 'error';
    const seq = ledger.record({ gate: gateId, action: h.kind === 'ssh' ? 'ssh' : 'exec', target: display, host: hostName, mutating: !!o.mutates, scope: o.mutates ? (o.scope ?? 'deploy') : undefined, outcome, outputSha256: sha256Hex(stdout) });
    return {
      command: display,
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      timedOut: !!r.timedOut,
      stdout,
      stderr,
      durationMs,
      ledgerSeq: seq,
      evidence: { kind: 'exec', title: display, command: display, cwd: o.cwd, exitCode: r.exitCode ?? null, durationMs, stdoutSha256: sha256Hex(stdout), stderrSha256: sha256Hex(stderr), stdoutTail: tail(stdout), stderrTail: tail(stderr), ledger: [seq] },
    };
  }

  const ctx: GateContext = {
    gateId,
    host: defaultHost,
    exec,
    shell: (line, o) => exec('sh', ['-c', line], o),
    facts: {
      get: (g, n) => facts[g]?.[n],
      all: () => facts,
    },
    log: { info: () => undefined, warn: () => undefined },
    signal,
    target: { name: 'test', file: null, hosts: Object.fromEntries(Object.entries(hosts).map(([k, v]) => [k, v.url])), paths: {} },
    run: { id: 'test-run', macroId: options.macroId ?? 'O8B', dir: options.runDir ?? mkdtempSync(join(tmpdir(), 'gaterun-run-')) },
    db: () => { throw new Error('no databases in deploy tests'); },
    hosts: {
      async copy(localPath, host, remotePath, o = {}) {
        const h = spec(host);
        const target = `${localPath} -> ${hostDisplay(h)}:${remotePath}`;
        ledger.authorize({ gate: gateId, action: h.kind === 'ssh' ? 'scp' : 'file.copy', target, host, mutating: !!o.mutates, scope: o.scope });
        const r = await copyToHost(h, localPath, remotePath, signal);
        ledger.record({ gate: gateId, action: h.kind === 'ssh' ? 'scp' : 'file.copy', target, host, mutating: !!o.mutates, scope: o.mutates ? (o.scope ?? 'deploy') : undefined, outcome: r.ok ? 'ok' : 'error' });
        if (!r.ok) throw new Error(`copy to ${hostDisplay(h)} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
      },
      display: (host) => hostDisplay(spec(host)),
      isLocal: (host) => spec(host).kind === 'local',
    },
  };
  return { ctx, ledger, outputs };
}

/** Runs a gate the way the runner will: with a fresh test context; returns result + ledger. */
export async function runGate<P>(gate: GateModule<P>, params: P, options: TestContextOptions = {}): Promise<{ result: GateResult; ledger: Ledger; outputs: string[] }> {
  const { ctx, ledger, outputs } = testContext(options);
  const result = await gate.run(ctx, params);
  return { result, ledger, outputs };
}
