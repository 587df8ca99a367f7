// Gate `predecessor`: the previous macro's bundle is signed by a trusted key, untouched, names the expected macro and ended with outcome A.
import { isAbsolute, join, relative } from 'node:path';
import { textOf } from '../src/text.js';
import { fromBlockPath } from '../src/files/block-path.js';
import { blocked, defineGate, fail, pass, type Check, type Evidence, type Facts, type GateContext, type GateResult } from '../src/gate.js';
import { runManifestVerify, type ManifestVerifyParams } from '../src/checks/manifest-verify.js';
import { precheckParamsSchema, runPrecheck, type PrecheckParams } from '../src/checks/precheck.js';
import { readSignedEnvelope, verifySignedBundle } from '../src/checks/signed-bundle.js';
import { runUntouched, untouchedParamsSchema, type UntouchedParams } from '../src/checks/untouched.js';
import { publicKeyFromPem, type LoadedPublicKey } from '../src/report/keys.js';
import type { VerifiedOutcome } from '../src/report/verify-bundle.js';

export interface PredecessorParams {
  /** Macro id the signed statement must name; with `reports`, its newest bundle (by signed time) is checked. */
  macro?: string;
  /** sha256 of the predecessor's macro file, pinned: the signed statement must name it. */
  macro_sha256?: string;
  /** Folder holding <MACRO>/<run-id>/ run directories. */
  reports?: string;
  /** A run directory (instead of the newest under `reports`). */
  run?: string;
  /** Host that holds the bundles (default local: gaterun writes its runs on its own machine). */
  bundle_host?: string;
  /** Trusted public keys (PEM), read on gaterun's machine. */
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
  noRun: 'no run of {macro} under {reports} has a signed bundle',
  keys: 'cannot load the trusted keys: {error}',
  unordered: '{run} cannot be ordered by its signed time: {problem}',
  notVerified: '{run} does not verify: {problems}',
  wrongMacro: '{run} is a signed bundle of {got}, not {want}: refused',
  macroSha256: '{run} was made by macro file sha256 {got}, the pinned one is {want}: refused',
  outcome: '{macroId} ended {outcome}, {want} required',
  noManifest: "no DEPLOY-MANIFEST named by the predecessor's final block ({key})",
  subCheck: '{check}: {summary}',
  subBlocked: '{check} is blocked: {summary}',
};

const fill = (id: keyof typeof messages, data: Record<string, unknown>) =>
  messages[id].replace(/\{(\w+)\}/g, (m, k: string) => (k in data ? String(data[k]) : m));

interface Candidate {
  name: string;
  dir: string;
  signedAt: string;
  macroId?: string;
}

/**
 * The bundle to check under reports/<macro>/: the one whose SIGNED time (the VSA's timeVerified) is newest — a directory
 * name proves nothing. An envelope that does not verify leaves the order unknown, so it refuses rather than skips.
 */
async function newestSigned(
  ctx: GateContext,
  p: PredecessorParams,
  keys: LoadedPublicKey[],
  host: string,
): Promise<{ pick: Candidate; checks: Check[] } | { refusal: GateResult }> {
  const root = join(p.reports!, p.macro!);
  const noRun = () => ({ refusal: fail(fill('noRun', { macro: p.macro, reports: p.reports }), { messageId: 'noRun' }) });
  if (!(await ctx.files.exists(root, { host }))) return noRun();
  const signed: Candidate[] = [];
  const unsigned: string[] = [];
  for (const e of await ctx.files.list(root, { host })) {
    if (e.type !== 'dir') continue;
    const dir = join(root, e.name);
    const env = await readSignedEnvelope(
      ctx,
      { dir, host },
      keys.map((k) => k.key),
    );
    if (env === null) {
      unsigned.push(e.name);
      continue;
    }
    if (!env.ok) {
      const problem = `${env.problem.code} ${env.problem.file ?? ''}: ${env.problem.message}`;
      return {
        refusal: fail(fill('unordered', { run: dir, problem }), {
          checks: [{ status: 'FAIL', text: `${e.name}: ${problem}` }],
          facts: { run: dir, verified: false },
          messageId: 'unordered',
        }),
      };
    }
    signed.push({ name: e.name, dir, signedAt: env.outcome.timeVerified, macroId: env.outcome.macroId });
  }
  if (!signed.length) return noRun();
  const time = (c: Candidate) => Date.parse(c.signedAt) || 0;
  signed.sort((a, b) => time(b) - time(a) || (a.name < b.name ? 1 : -1));
  const pick = signed[0];
  const byName = [...signed].sort((a, b) => (a.name < b.name ? 1 : -1))[0];
  const checks: Check[] = [
    {
      id: 'BUNDLE',
      status: 'INFO',
      text: `chose ${pick.name}: signed ${pick.signedAt}, the newest signed time of ${signed.length} signed bundle(s) under ${root}${unsigned.length ? ` (${unsigned.length} unsigned dir(s) skipped: ${unsigned.join(', ')})` : ''}`,
    },
  ];
  if (byName !== pick)
    checks.push({
      id: 'BUNDLE-NAME',
      status: 'INFO',
      text: `${byName.name} has the newest name but was signed earlier (${byName.signedAt}); names do not decide`,
    });
  return { pick, checks };
}

export default defineGate<PredecessorParams>({
  kind: 'predecessor',
  summary: "Verifies the previous macro's signed bundle (chosen by signed time) and requires its macro and outcome",
  facts: {
    run: 'the predecessor run directory',
    run_id: 'its run id',
    macro: 'its macro id',
    outcome: 'its outcome line',
    outcome_code: 'its outcome letter',
    keyid: 'keyid of the key that signed it',
    verified: 'the signed bundle verifies',
    final: 'its final-outcome block',
    manifest: 'with manifest: the manifest-verify facts plus in_bundle',
    untouched: 'with untouched: the untouched facts',
    '<precheck facts>': 'with precheck: the precheck facts',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['keys'],
    anyOf: [{ required: ['run'] }, { required: ['macro', 'reports'] }],
    properties: {
      macro: { description: 'macro id the signed statement must name; with reports, its newest bundle by signed time', type: 'string' },
      macro_sha256: {
        description: "sha256 of the predecessor's macro file, pinned (the signed statement must name it)",
        type: 'string',
        pattern: '^[0-9a-f]{64}$',
      },
      reports: { description: 'folder holding <MACRO>/<run-id>/ run directories', type: 'string' },
      run: { description: 'a run directory (instead of the newest under reports)', type: 'string' },
      bundle_host: { description: 'host that holds the bundles (default local)', type: 'string', minLength: 1 },
      keys: { description: 'trusted public keys (PEM)', type: 'array', minItems: 1, items: { type: 'string' } },
      require: { description: 'required outcome code (default A)', enum: ['A', 'B', 'C', 'D'] },
      precheck: { ...precheckParamsSchema, description: "precheck checks also run on the gate's host; their facts are merged" },
      manifest: {
        description: "check a deployed tree against the predecessor's DEPLOY-MANIFEST",
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        oneOf: [{ required: ['file'] }, { required: ['from_final'] }],
        properties: {
          path: { description: 'the deployed tree to check', type: 'string', minLength: 1 },
          file: { description: "the manifest, relative to the predecessor's run dir", type: 'string', minLength: 1 },
          from_final: {
            description: "key of the predecessor's final-outcome block that holds the manifest path",
            type: 'string',
            minLength: 1,
          },
          ignore: { description: 'globs counted as ignored, not extra', type: 'array', items: { type: 'string' } },
        },
      },
      untouched: { ...untouchedParamsSchema, description: 'also prove a sibling tree untouched (facts under untouched)' },
    },
  },
  messages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  async run(ctx, p) {
    const want = p.require ?? 'A';
    const host = p.bundle_host ?? 'local';
    let keys: LoadedPublicKey[];
    try {
      keys = [];
      for (const k of p.keys) keys.push(publicKeyFromPem(await ctx.files.read(k, { host: 'local' }), k));
    } catch (e) {
      return fail(fill('keys', { error: (e as Error).message }), { messageId: 'keys' });
    }
    const checks: Check[] = [];
    let run: string;
    if (p.run) run = p.run;
    else {
      const chosen = await newestSigned(ctx, p, keys, host);
      if ('refusal' in chosen) return chosen.refusal;
      run = chosen.pick.dir;
      checks.push(...chosen.checks);
    }

    const v = await verifySignedBundle(
      ctx,
      { dir: run, host },
      keys.map((k) => k.key),
    );
    if (!v.ok || !v.outcome) {
      const problems = v.problems.map((x) => (x.file && x.file !== 'run.intoto.json' ? `${x.code} ${x.file}` : `${x.code}: ${x.message}`));
      checks.push(...v.problems.map((x) => ({ status: 'FAIL' as const, text: x.message })));
      return fail(fill('notVerified', { run, problems: problems.join('; ') }), {
        checks,
        facts: { run, verified: false },
        messageId: 'notVerified',
      });
    }
    const signed: VerifiedOutcome = v.outcome;
    // run.json is a signed subject that just matched its sha256, so its text is covered by the signature; the decisions
    // below (macro, macro file, outcome, time) still come from the signed statement itself.
    const record = JSON.parse((await ctx.files.read(join(run, 'run.json'), { host })).toString('utf8')) as {
      run_id?: string;
      outcome?: { text?: string };
      final_outcome?: Facts;
    };
    const runId = record.run_id ?? run;
    const macroId = signed.macroId ?? '(no macro id signed)';
    const outcomeText = record.outcome?.text ?? signed.code;
    checks.push({
      status: 'PASS',
      text: `${macroId} bundle ${runId} verifies: signed ${signed.timeVerified} by ed25519 ${v.keyid!.slice(0, 16)}, all ${signed.files} files match`,
    });
    const facts: Facts = {
      run,
      run_id: runId,
      macro: macroId,
      signed_at: signed.timeVerified,
      macro_sha256: signed.policy.sha256,
      outcome: outcomeText,
      outcome_code: signed.code,
      keyid: v.keyid!,
      verified: true,
      final: record.final_outcome ?? null,
    };
    const evidence: Evidence[] = [
      {
        kind: 'file',
        title: `${macroId} signed bundle ${runId} (signed ${signed.timeVerified})`,
        path: join(run, 'run.intoto.json'),
        text: `verified against ${keys.length} trusted key(s); ${signed.files} files match`,
      },
    ];
    const refuse = (id: keyof typeof messages, data: Record<string, unknown>, text: string) => {
      checks.push({ status: 'FAIL', text });
      return fail(fill(id, data), { checks, facts, evidence, messageId: id });
    };
    if (p.macro && signed.macroId !== p.macro)
      return refuse(
        'wrongMacro',
        { run, got: signed.macroId ?? 'an unnamed macro', want: p.macro },
        `signed statement names macro ${signed.macroId ?? '(none)'}, expected ${p.macro}`,
      );
    if (p.macro_sha256 && signed.policy.sha256 !== p.macro_sha256)
      return refuse(
        'macroSha256',
        { run, got: signed.policy.sha256.slice(0, 16), want: p.macro_sha256.slice(0, 16) },
        `signed macro file sha256 ${signed.policy.sha256} ≠ pinned ${p.macro_sha256}`,
      );
    if (p.macro)
      checks.push({
        status: 'PASS',
        text: `signed statement names macro ${signed.macroId}${p.macro_sha256 ? ' and the pinned macro file sha256' : ''}`,
      });
    if (signed.code !== want)
      return fail(`${macroId} ${runId}: ${outcomeText}, ${want} required`, {
        checks: [...checks, { status: 'FAIL', text: fill('outcome', { macroId, outcome: outcomeText, want }) }],
        facts,
        evidence,
        messageId: 'outcome',
      });
    checks.push({ status: 'PASS', text: `${macroId} outcome ${outcomeText} (signed level ${signed.code})` });
    const head = `${macroId} ${runId} (signed ${signed.timeVerified}): signed bundle verifies; ${outcomeText}`;
    return composeSubChecks(ctx, p, { run, final: record.final_outcome ?? {}, head, checks, facts, evidence });
  },
});

interface Sub {
  label: string;
  result: GateResult & { messageId?: string };
}

/** The optional precheck / manifest / untouched checks (shared helpers in src/checks, same ctx) after the bundle verified; the first non-PASS decides. */
async function composeSubChecks(
  ctx: GateContext,
  p: PredecessorParams,
  a: { run: string; final: Facts; head: string; checks: Check[]; facts: Facts; evidence: Evidence[] },
): Promise<GateResult> {
  const subs: Sub[] = [];
  const { checks, facts, evidence } = a;
  if (p.precheck) {
    const s: Sub = { label: 'precheck', result: await runPrecheck(ctx, p.precheck) };
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
      return fail(`${a.head}; no DEPLOY-MANIFEST named by its final block (${m.from_final})`, {
        checks,
        facts,
        evidence,
        messageId: 'noManifest',
      });
    }
    const file = fromBlockPath(named, { runDir: a.run, baseDir: ctx.target.baseDir ?? process.cwd() });
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
    const s: Sub = { label: 'manifest', result: await runManifestVerify(ctx, params) };
    facts.manifest = { ...s.result.facts, in_bundle: inside };
    subs.push(s);
  }
  if (p.untouched) {
    const s: Sub = { label: 'untouched', result: await runUntouched(ctx, p.untouched) };
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
  const why = `${a.head}; ${bads.map((s) => `${s.label}: ${s.result.summary.split('\n')[0]}`).join('; ')}`;
  // The composed check's own id belongs to its kind, not to predecessor: report it as subCheck / subBlocked.
  return bad.result.status === 'BLOCKED'
    ? blocked(why, { checks, facts, evidence, messageId: 'subBlocked' })
    : fail(why, { checks, facts, evidence, messageId: 'subCheck' });
}
