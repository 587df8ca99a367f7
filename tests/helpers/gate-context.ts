// A real, minimal GateContext for gate tests: real Ledger, real createDbAccess; exec/hosts are not used here.
import type { FactValue, Facts, GateContext, GateModule, GateResult } from '../../src/gate.js';
import { Ledger } from '../../src/context/ledger.js';
import type { DatabaseEntry } from '../../src/db/database-url.js';
import { createDbAccess, type DbAccess } from '../../src/db/db-access.js';

export interface TestGateContext {
  ctx: GateContext;
  ledger: Ledger;
  access: DbAccess;
  logs: string[];
  /** Facts of earlier gates (gate id → facts). */
  facts: Record<string, Facts>;
  abort: AbortController;
  close(): Promise<void>;
}

const notUsed = (what: string) => () => {
  throw new Error(`${what} is not used in these tests`);
};

/** Builds a context whose database `main` is the given URL (via an env var, as a target would). */
export function makeGateContext(
  url: string,
  opts: { gateId?: string; facts?: Record<string, Facts>; databases?: Record<string, DatabaseEntry> } = {},
): TestGateContext {
  const envName = `GATERUN_TEST_DB_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  process.env[envName] = url;
  const ledger = new Ledger('none');
  const access = createDbAccess({
    databases: opts.databases ?? { main: { url_env: envName } },
    baseDir: process.cwd(),
    runId: 'test-run',
    ledger,
    connectTimeoutS: 3,
  });
  const facts: Record<string, Facts> = opts.facts ?? {};
  const logs: string[] = [];
  const abort = new AbortController();
  const gateId = opts.gateId ?? 'G1';
  const ctx: GateContext = {
    gateId,
    host: 'local',
    exec: notUsed('ctx.exec'),
    shell: notUsed('ctx.shell'),
    facts: {
      get: (g: string, name: string): FactValue | undefined => facts[g]?.[name],
      all: () => facts,
    },
    log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
    signal: abort.signal,
    target: { name: 'test', file: null, hosts: {}, paths: {} },
    run: { id: 'test-run', macroId: 'TEST', dir: '/nonexistent' },
    db: (name: string) => access.db(name, { gateId, signal: abort.signal }),
    hosts: { copy: notUsed('ctx.hosts.copy'), display: () => 'local', isLocal: () => true },
    kb: { publish: notUsed('ctx.kb.publish') },
    files: { read: notUsed('ctx.files.read'), list: notUsed('ctx.files.list'), exists: notUsed('ctx.files.exists') },
  };
  return {
    ctx,
    ledger,
    access,
    logs,
    facts,
    abort,
    async close() {
      delete process.env[envName];
      await access.closeAll();
    },
  };
}

/** Runs a gate module the way the runner will (params already valid), returning its result. */
export async function runGate<P>(gate: GateModule<P>, t: TestGateContext, params: P): Promise<GateResult & { messageId?: string }> {
  return gate.run(t.ctx, params);
}
