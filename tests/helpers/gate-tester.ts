// The GateTester of STYLE.md: tables of passing and failing cases per gate kind, each run through the real runGate
// (schema check, timeout, output-shape check) with a real context and ledger, asserting the messageId.
import { describe, expect, test } from '@jest/globals';
import { gateKinds } from '../../gates/index.js';
import { formatResult, type GateModule, type GateResult, type Messages, type RunInfo, type TargetInfo } from '../../src/gate.js';
import { createContext } from '../../src/context/create-context.js';
import { createDbAccess } from '../../src/db/db-access.js';
import { Ledger, type MutationPolicy } from '../../src/context/ledger.js';
import { compileSchema } from '../../src/macro/schema-check.js';
import { runGate } from '../../src/runner/run-gate.js';
import type { GateRecord } from '../../src/runner/types.js';

/** A value given directly, or computed when the case runs (after beforeAll built its fixtures). */
export type Lazy<T> = T | (() => T);

/** How one case runs: the params and what the context holds. */
export interface GateCase {
  /** Shown in the test name; default the params as JSON. */
  name?: string;
  params: Lazy<unknown>;
  /** Facts of earlier gates (gate id → facts). */
  facts?: Lazy<Record<string, Record<string, unknown>>>;
  policy?: MutationPolicy;
  /** Merged over the default local-only target. */
  target?: Lazy<Partial<TargetInfo>>;
  /** Merged over the default run (id test-run, dir /tmp). */
  run?: Lazy<Partial<RunInfo>>;
  /** Databases by name → URL (wired through the real createDbAccess). */
  db?: Lazy<Record<string, string>>;
  /** The host the gate runs on; default local. */
  host?: string;
  /** Seconds, as a macro's `timeout:`. */
  timeout?: number;
  /** Extra assertions on the outcome. */
  check?: (out: CaseOutcome) => void | Promise<void>;
}

/** A case that must PASS; when it names a messageId, the PASS result must report that one. */
export interface PassCase<M extends Messages> extends GateCase {
  messageId?: keyof M & string;
}

/** A case that must end FAIL (or BLOCKED) with this messageId of the kind. */
export interface FailCase<M extends Messages> extends GateCase {
  messageId: keyof M & string;
  status?: 'FAIL' | 'BLOCKED';
  /** Optional: the formatted summary must match. */
  summary?: RegExp;
}

/** The table of one kind: `{pass, fail}` as ESLint's RuleTester `{valid, invalid}`, plus params the schema rejects. */
export interface GateTable<M extends Messages> {
  pass: PassCase<M>[];
  fail: FailCase<M>[];
  /** Params the kind's schema must reject (checked through runGate too). */
  invalid: unknown[];
}

/** What running one case produced. */
export interface CaseOutcome {
  /** The runner's record (status, summary, checks, facts, evidence). */
  record: GateRecord;
  /** The gate's own result after formatResult (messageId, data), or null when the gate did not return one. */
  result: GateResult | null;
  ledger: Ledger;
}

const resolve = <T>(v: Lazy<T> | undefined): T | undefined => (typeof v === 'function' ? (v as () => T)() : v);

/** Runs one case through the real runGate; a malformed result or unknown messageId throws (a gate bug, EGATEOUTPUT). */
export async function runCase<P, M extends Messages>(module: GateModule<P, M>, c: GateCase): Promise<CaseOutcome> {
  const ledger = new Ledger(c.policy ?? 'none');
  const target: TargetInfo = {
    name: 'test',
    file: null,
    hosts: { local: 'local' },
    paths: {},
    hostSpecs: { local: { name: 'local', kind: 'local', url: 'local' } },
    ...resolve(c.target),
  };
  const run: RunInfo = { id: 'test-run', macroId: 'TEST', dir: '/tmp', ...resolve(c.run) };
  const urls = resolve(c.db) ?? {};
  // Each database is an `embedded` entry whose URL is the one given: no process.env is touched.
  const accessFor = Object.fromEntries(
    Object.entries(urls).map(([name, url]) => [
      name,
      createDbAccess({
        databases: { [name]: { embedded: true } },
        baseDir: process.cwd(),
        runId: run.id,
        ledger,
        embeddedUrl: url,
        connectTimeoutS: 3,
      }),
    ]),
  );
  const facts = resolve(c.facts) ?? {};
  let raw: unknown = undefined;
  let returned = false;
  const spied: GateModule<unknown> = {
    ...(module as GateModule<unknown>),
    run: async (ctx, params) => {
      const r = await module.run(ctx, params as P);
      raw = r;
      returned = true;
      return r;
    },
  };
  try {
    const record = await runGate({
      spec: { id: 'G1', title: module.kind, kind: module.kind, with: resolve(c.params) as Record<string, unknown>, timeout: c.timeout },
      module: spied,
      reportFile: '01-test.md',
      host: c.host ?? 'local',
      runSignal: new AbortController().signal,
      facts,
      run,
      makeContext: (signal) =>
        createContext({
          gateId: 'G1',
          host: c.host ?? 'local',
          ledger,
          signal,
          target,
          run,
          facts: facts as never,
          redact: (s) => s,
          log: { info: () => {}, warn: () => {} },
          db: Object.keys(accessFor).length
            ? (name) => (accessFor[name] ?? accessFor[Object.keys(accessFor)[0]]).db(name, { gateId: 'G1', signal })
            : undefined,
        }),
    });
    if (record.crash && !returned) throw new Error(`the ${module.kind} gate crashed: ${record.summary}\n${record.crash.stack}`);
    if (!returned) return { record, result: null, ledger };
    const f = formatResult(module, raw);
    if (!f.ok)
      throw new Error(
        `gate bug (EGATEOUTPUT): the ${module.kind} gate returned ${f.problems.join('; ')} (the runner recorded: ${record.status} ${record.summary})`,
      );
    return { record, result: f.result, ledger };
  } finally {
    await Promise.all(Object.values(accessFor).map((a) => a.closeAll()));
  }
}

const caseName = (c: GateCase) => c.name ?? JSON.stringify(typeof c.params === 'function' ? '(computed params)' : c.params);

/** Checks a table before running it: every messageId must be one of the kind's messages (as RuleTester rejects unknown ids). */
export function tableProblems<M extends Messages>(module: GateModule<unknown, M>, table: GateTable<M>): string[] {
  const problems: string[] = [];
  for (const [what, cases] of [
    ['pass', table.pass],
    ['fail', table.fail],
  ] as const)
    for (const c of cases)
      if (c.messageId !== undefined && !Object.hasOwn(module.messages, c.messageId))
        problems.push(`${what} case ${caseName(c)}: messageId "${c.messageId}" is not one of the ${module.kind} messages`);
  if (!table.pass.length) problems.push(`the ${module.kind} table has no pass case`);
  if (!table.invalid.length) problems.push(`the ${module.kind} table has no invalid-params case`);
  return problems;
}

/** Declares the jest tests of one kind's table: pass cases PASS, fail cases end with their messageId, invalid params are rejected. */
export function testGate<P, M extends Messages>(module: GateModule<P, M>, table: GateTable<M>): void {
  const problems = tableProblems(module as GateModule<unknown, M>, table);
  if (problems.length) throw new Error(`GateTester: ${problems.join('; ')}`);
  describe(`${module.kind} (GateTester)`, () => {
    test.each(table.pass.map((c) => [caseName(c), c] as const))('passes: %s', async (_name, c) => {
      const out = await runCase(module, c);
      expect({ status: out.record.status, summary: out.record.summary }).toEqual({ status: 'PASS', summary: expect.any(String) });
      if (c.messageId) expect(out.result?.messageId).toBe(c.messageId);
      await c.check?.(out);
    });
    test.each(table.fail.map((c) => [`${c.messageId}: ${caseName(c)}`, c] as const))('fails: %s', async (_name, c) => {
      const out = await runCase(module, c);
      // runGate's record carries the messageId once the runner formats results; until then it comes from formatResult.
      const messageId = (out.record as { messageId?: string }).messageId ?? out.result?.messageId;
      expect({ status: out.record.status, messageId }).toEqual({ status: c.status ?? 'FAIL', messageId: c.messageId });
      if (c.summary) expect(out.result?.summary ?? out.record.summary).toMatch(c.summary);
      await c.check?.(out);
    });
    test.each(table.invalid.map((p) => [JSON.stringify(p), p] as const))(
      'bad params are rejected by the schema: %s',
      async (_name, params) => {
        expect(compileSchema(module.params)(params)).toBe(false);
        const out = await runCase(module, { params });
        expect(out.result).toBeNull();
        expect(out.record.status).toBe('FAIL');
        expect(out.record.summary).toMatch(new RegExp(`do not match the ${module.kind} schema`));
      },
    );
  });
}

/** Runs a gate of `kind` with params directly (no runner wrapper); returns its result and the ledger it wrote. */
export async function runGateKind(
  kind: string,
  params: unknown,
  opts: { policy?: MutationPolicy; facts?: Record<string, Record<string, unknown>>; signal?: AbortSignal } = {},
): Promise<{ result: GateResult; ledger: Ledger }> {
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

/** A target with an SSH host nothing listens on (loopback port 1): every host kind must end BLOCKED `unreachable` there. */
export const deadHost: Pick<GateCase, 'host' | 'target'> = {
  host: 'dead',
  target: {
    hosts: { local: 'local', dead: 'ssh://nobody@127.0.0.1:1' },
    hostSpecs: {
      local: { name: 'local', kind: 'local', url: 'local' },
      dead: { name: 'dead', kind: 'ssh', url: 'ssh://nobody@127.0.0.1:1', user: 'nobody', hostname: '127.0.0.1', port: 1 },
    },
  },
};
