// Runs one gate kind on real processes with a real context and ledger (the GateTester of STYLE.md).
import { gateKinds } from '../../gates/index.js';
import type { GateResult, TargetInfo } from '../../src/gate.js';
import { createContext } from '../../src/context/create-context.js';
import { Ledger, type MutationPolicy } from '../../src/context/ledger.js';
import { compileSchema } from '../../src/macro/schema-check.js';

/** Runs a gate of `kind` with params; returns its result and the ledger it wrote. */
export async function runGateKind(
  kind: string,
  params: unknown,
  opts: { policy?: MutationPolicy; facts?: Record<string, Record<string, unknown>>; signal?: AbortSignal } = {},
): Promise<{ result: GateResult & { messageId?: string }; ledger: Ledger }> {
  const mod = gateKinds[kind];
  if (!mod) throw new Error(`no gate kind ${kind}`);
  const ledger = new Ledger(opts.policy ?? 'none');
  const target: TargetInfo = {
    name: 'test',
    file: null,
    hosts: { local: 'local' },
    paths: {},
    hostSpecs: { local: { name: 'local', kind: 'local', url: 'local' } },
  };
  const ctx = createContext({
    gateId: 'G0',
    host: 'local',
    ledger,
    signal: opts.signal ?? new AbortController().signal,
    target,
    run: { id: 'test-run', macroId: 'TEST', dir: '/tmp' },
    facts: (opts.facts ?? {}) as never,
    redact: (s) => s,
    log: { info: () => {}, warn: () => {} },
  });
  return { result: await mod.run(ctx, params), ledger };
}

/** True when the kind's params schema accepts the value. */
export function paramsValid(kind: string, params: unknown): boolean {
  return compileSchema(gateKinds[kind].params)(params);
}
