// Gate `predecessor`: the previous macro's bundle is signed by a trusted key, untouched, and ended with outcome A.
import { textOf } from '../src/text.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import {
  defineGate,
  results,
  type Check,
  type Evidence,
  type Facts,
  type GateContext,
  type GateModule,
  type GateResult,
} from '../src/gate.js';
import manifestVerifyGate, { type ManifestVerifyParams } from './manifest-verify.js';
import precheckGate, { type PrecheckParams } from './precheck.js';
import untouchedGate, { type UntouchedParams } from './untouched.js';
import { loadPublicKeys } from '../src/report/keys.js';
import { verifyBundle } from '../src/report/verify-bundle.js';

export interface PredecessorParams {
  /** Macro id whose latest run is checked (under `reports`), or give `run` directly. */
  macro?: string;
  /** Folder holding <MACRO>/<run-id>/ run directories. */
  reports?: string;
  /** A run directory. */
  run?: string;
  /** Trusted public keys (PEM). */
  keys: string[];
  /** Required outcome code (default A). */
  require?: 'A' | 'B' | 'C' | 'D';
  /** Also run these precheck checks (kill-switch probe, KB read…) on the gate's host; their facts are merged. */
  precheck?: PrecheckParams;
  /**
   * Also check a deployed tree against the predecessor's DEPLOY-MANIFEST: `file` (relative to the predecessor's
   * run dir) or `from_final` (the key of the predecessor's final-outcome block that holds the manifest path).
   */
  manifest?: { path: string; file?: string; from_final?: string; ignore?: string[] };
  /** Also prove a sibling tree untouched (facts under `untouched`). */
  untouched?: UntouchedParams;
}

const messages = {
  noRun: 'no run of {macro} under {reports}',
  notVerified: '{run} does not verify: {problems}',
  outcome: '{macroId} ended {outcome}, {want} required',
  wrongOutcome: '{macroId} {runId}: {outcome}, {want} required',
  noManifest: '{head}; no DEPLOY-MANIFEST named by its final block ({key})',
  subCheck: '{head}; {failures}',
  subBlocked: '{head}; {failures}',
};
const { pass, fail, blocked } = results(messages);

/** The newest run directory of a macro (run ids start with a UTC timestamp). */
function latestRun(reports: string, macro: string): string | null {
  const dir = join(reports, macro);
  if (!existsSync(dir)) return null;
  const runs = readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'run.json')))
    .sort();
  return runs.length ? join(dir, runs[runs.length - 1]) : null;
}

export default defineGate<PredecessorParams>({
  kind: 'predecessor',
  summary: "Verifies the previous macro's signed bundle and requires its outcome",
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['keys'],
    anyOf: [{ required: ['run'] }, { required: ['macro', 'reports'] }],
    properties: {
      macro: { type: 'string' },
      reports: { type: 'string' },
      run: { type: 'string' },
      keys: { type: 'array', minItems: 1, items: { type: 'string' } },
      require: { enum: ['A', 'B', 'C', 'D'] },
      precheck: precheckGate.params,
      manifest: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        oneOf: [{ required: ['file'] }, { required: ['from_final'] }],
        properties: {
          path: { type: 'string', minLength: 1 },
          file: { type: 'string', minLength: 1 },
          from_final: { type: 'string', minLength: 1 },
          ignore: { type: 'array', items: { type: 'string' } },
        },
      },
      untouched: untouchedGate.params,
    },
  },
  messages,
  async run(ctx, p) {
    const want = p.require ?? 'A';
    const run = p.run ?? latestRun(p.reports!, p.macro!);
    if (!run) return fail({ messageId: 'noRun', data: { macro: p.macro ?? '?', reports: p.reports ?? '?' } });
    // Reading a signed bundle changes nothing, so it needs no ledger entry.
    const keys = loadPublicKeys(p.keys);
    const v = verifyBundle(run, { trustedKeys: keys.map((k) => k.key) });
    const checks: Check[] = [];
    if (!v.ok) {
      const problems = v.problems.map((x) => (x.file ? `${x.code} ${x.file}` : `${x.code}: ${x.message}`));
      checks.push(...problems.map((t) => ({ status: 'FAIL' as const, text: t })));
      return fail({ messageId: 'notVerified', data: { run, problems: problems.join('; ') }, checks, facts: { run, verified: false } });
    }
    const record = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as {
      run_id: string;
      macro: { id: string };
      outcome: { code: string; text: string };
      final_outcome: Facts;
      files: { reports: string[] };
    };
    checks.push({
      status: 'PASS',
      text: `${record.macro.id} bundle ${record.run_id} verifies: signature ed25519 ${v.keyid!.slice(0, 16)}, every file matches`,
    });
    const ok = record.outcome.code === want;
    checks.push({
      status: ok ? 'PASS' : 'FAIL',
      text: ok
        ? `${record.macro.id} outcome ${record.outcome.text}`
        : messages.outcome.replace('{macroId}', record.macro.id).replace('{outcome}', record.outcome.text).replace('{want}', want),
    });
    const facts: Facts = {
      run,
      run_id: record.run_id,
      macro: record.macro.id,
      outcome: record.outcome.text,
      outcome_code: record.outcome.code,
      keyid: v.keyid!,
      verified: true,
      final: record.final_outcome,
    };
    const evidence = [
      {
        kind: 'file' as const,
        title: `${record.macro.id} signed bundle`,
        path: join(run, 'run.intoto.json'),
        text: `verified against ${keys.length} trusted key(s)`,
      },
    ];
    if (!ok)
      return fail({
        messageId: 'wrongOutcome',
        data: { macroId: record.macro.id, runId: record.run_id, outcome: record.outcome.text, want },
        checks,
        facts,
        evidence,
      });
    const head = `${record.macro.id} ${record.run_id}: signed bundle verifies; ${record.outcome.text}`;
    return composeSubChecks(ctx, p, { run, final: record.final_outcome, head, checks, facts, evidence });
  },
});

interface Sub {
  label: string;
  result: GateResult;
}

/** Runs a sibling gate kind's checks inside this gate (same ctx, so its actions land in the ledger under this gate). */
async function sub<P>(ctx: GateContext, label: string, module: GateModule<P>, params: P): Promise<Sub> {
  return { label, result: await module.run(ctx, params) };
}

/** The optional precheck / manifest / untouched checks after the bundle itself verified; the first non-PASS decides. */
async function composeSubChecks(
  ctx: GateContext,
  p: PredecessorParams,
  a: { run: string; final: Facts; head: string; checks: Check[]; facts: Facts; evidence: Evidence[] },
): Promise<GateResult> {
  const subs: Sub[] = [];
  const { checks, facts, evidence } = a;
  if (p.precheck) {
    const s = await sub(ctx, 'precheck', precheckGate, p.precheck);
    Object.assign(facts, s.result.facts);
    subs.push(s);
  }
  if (p.manifest) {
    const m = p.manifest;
    const named = m.from_final !== undefined ? a.final[m.from_final] : m.file;
    if (typeof named !== 'string' || !named || named === 'UNKNOWN') {
      checks.push({
        id: 'MANIFEST',
        status: 'FAIL',
        text: `the predecessor's final block has no usable "${m.from_final}" (got ${JSON.stringify(named ?? null)})`,
      });
      return fail({ messageId: 'noManifest', data: { head: a.head, key: m.from_final }, checks, facts, evidence });
    }
    const file = isAbsolute(named) ? named : join(a.run, named);
    // The manifest is trustworthy only because the signature covers it: say whether it does.
    const rel = relative(a.run, file);
    const inside = !rel.startsWith('..') && !isAbsolute(rel);
    checks.push({
      id: 'MANIFEST-SOURCE',
      status: 'INFO',
      text: inside
        ? `manifest ${rel} is a file of the verified ${textOf(a.facts.macro)} bundle`
        : `manifest ${file} is outside the verified bundle ${a.run}`,
    });
    const params: ManifestVerifyParams = { path: m.path, manifest: file, ...(m.ignore ? { ignore: m.ignore } : {}) };
    const s = await sub(ctx, 'manifest', manifestVerifyGate, params);
    facts.manifest = { ...s.result.facts, in_bundle: inside };
    subs.push(s);
  }
  if (p.untouched) {
    const s = await sub(ctx, 'untouched', untouchedGate, p.untouched);
    facts.untouched = s.result.facts;
    subs.push(s);
  }
  for (const s of subs) {
    checks.push(...s.result.checks.map((c) => ({ ...c, text: `${s.label}: ${c.text}` })));
    evidence.push(...s.result.evidence);
  }
  const bads = subs.filter((s) => s.result.status !== 'PASS');
  const bad = bads.find((s) => s.result.status === 'BLOCKED') ?? bads[0];
  const summary = [a.head, ...subs.map((s) => s.result.summary.split('\n')[0])].join('; ');
  if (!bad) return pass(summary, { checks, facts, evidence });
  const data = { head: a.head, failures: bads.map((s) => `${s.label}: ${s.result.summary.split('\n')[0]}`).join('; ') };
  return bad.result.status === 'BLOCKED'
    ? blocked({ messageId: 'subBlocked', data, checks, facts, evidence })
    : fail({ messageId: 'subCheck', data, checks, facts, evidence });
}
