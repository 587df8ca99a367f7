// A GateContext for deploy/host tests built on the runner's real createContext (real processes, SSH, ledger).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Facts, GateContext, GateModule, GateResult } from '../../src/gate.js';
import { createContext } from '../../src/context/create-context.js';
import type { HostSpec } from '../../src/context/hosts.js';
import { Ledger, type MutationPolicy } from '../../src/context/ledger.js';

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

/** The runner's context for one gate, plus every stdout/stderr its commands produced (to check no secret reached them). */
export function testContext(options: TestContextOptions = {}): { ctx: GateContext; ledger: Ledger; outputs: string[] } {
  const ledger = options.ledger ?? new Ledger(options.policy ?? 'deploy');
  const hostSpecs: Record<string, HostSpec> = { local: { name: 'local', kind: 'local', url: 'local' }, ...(options.hosts ?? {}) };
  const outputs: string[] = [];
  const ctx = createContext({
    gateId: options.gateId ?? 'G1',
    host: options.host ?? 'local',
    ledger,
    signal: options.signal ?? new AbortController().signal,
    target: {
      name: 'test',
      file: null,
      hosts: Object.fromEntries(Object.entries(hostSpecs).map(([k, v]) => [k, v.url])),
      hostSpecs,
      paths: {},
    },
    run: { id: 'test-run', macroId: options.macroId ?? 'O8B', dir: options.runDir ?? mkdtempSync(join(tmpdir(), 'gaterun-run-')) },
    facts: options.facts ?? {},
    log: { info: () => undefined, warn: () => undefined },
    redact: (s) => s,
  });
  const exec = ctx.exec;
  ctx.exec = async (file, args, o) => {
    const r = await exec(file, args, o);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  ctx.shell = (line, o) => ctx.exec('sh', ['-c', line], o);
  return { ctx, ledger, outputs };
}

/** Runs a gate the way the runner does, with a fresh context; returns result, ledger and outputs. */
export async function runGate<P>(
  gate: GateModule<P>,
  params: P,
  options: TestContextOptions = {},
): Promise<{ result: GateResult; ledger: Ledger; outputs: string[] }> {
  const { ctx, ledger, outputs } = testContext(options);
  const result = await gate.run(ctx, params);
  return { result, ledger, outputs };
}
