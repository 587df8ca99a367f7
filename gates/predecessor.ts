// Gate `predecessor`: the previous macro's bundle is signed by a trusted key, untouched, and ended with outcome A.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineGate, fail, pass, type Check, type Facts } from '../src/gate.js';
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
}

const messages = {
  noRun: 'no run of {macro} under {reports}',
  notVerified: '{run} does not verify: {problems}',
  outcome: '{macroId} ended {outcome}, {want} required',
};

/** The newest run directory of a macro (run ids start with a UTC timestamp). */
function latestRun(reports: string, macro: string): string | null {
  const dir = join(reports, macro);
  if (!existsSync(dir)) return null;
  const runs = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'run.json'))).sort();
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
    },
  },
  messages,
  async run(_ctx, p) {
    const want = p.require ?? 'A';
    const run = p.run ?? latestRun(p.reports!, p.macro!);
    if (!run) return fail(messages.noRun.replace('{macro}', p.macro ?? '?').replace('{reports}', p.reports ?? '?'), { messageId: 'noRun' });
    // Reading a signed bundle changes nothing, so it needs no ledger entry.
    const keys = loadPublicKeys(p.keys);
    const v = verifyBundle(run, { trustedKeys: keys.map((k) => k.key) });
    const checks: Check[] = [];
    if (!v.ok) {
      const problems = v.problems.map((x) => (x.file ? `${x.code} ${x.file}` : `${x.code}: ${x.message}`));
      checks.push(...problems.map((t) => ({ status: 'FAIL' as const, text: t })));
      return fail(messages.notVerified.replace('{run}', run).replace('{problems}', problems.join('; ')), { checks, facts: { run, verified: false }, messageId: 'notVerified' });
    }
    const record = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { run_id: string; macro: { id: string }; outcome: { code: string; text: string }; final_outcome: Facts; files: { reports: string[] } };
    checks.push({ status: 'PASS', text: `${record.macro.id} bundle ${record.run_id} verifies: signature ed25519 ${v.keyid!.slice(0, 16)}, every file matches` });
    const ok = record.outcome.code === want;
    checks.push({ status: ok ? 'PASS' : 'FAIL', text: ok ? `${record.macro.id} outcome ${record.outcome.text}` : messages.outcome.replace('{macroId}', record.macro.id).replace('{outcome}', record.outcome.text).replace('{want}', want) });
    const facts: Facts = { run, run_id: record.run_id, macro: record.macro.id, outcome: record.outcome.text, outcome_code: record.outcome.code, keyid: v.keyid!, verified: true, final: record.final_outcome };
    const evidence = [{ kind: 'file' as const, title: `${record.macro.id} signed bundle`, path: join(run, 'run.intoto.json'), text: `verified against ${keys.length} trusted key(s)` }];
    return ok
      ? pass(`${record.macro.id} ${record.run_id}: signed bundle verifies; ${record.outcome.text}`, { checks, facts, evidence })
      : fail(`${record.macro.id} ${record.run_id}: ${record.outcome.text}, ${want} required`, { checks, facts, evidence, messageId: 'outcome' });
  },
});
