// Runs one gate: resolves fact references, applies the timeout and cancellation, checks the result's shape.
import { isGaterunError } from '../errors.js';
import { formatResult, type GateContext, type GateModule, type GateResult, type GateStatus, type RunInfo } from '../gate.js';
import { PolicyRefusal } from '../context/ledger.js';
import { resolveReferences } from '../macro/references.js';
import { compileSchema } from '../macro/schema-check.js';
import type { GateSpec } from '../macro/types.js';
import { keepManifests, paramsDigest, specDigest, type ResumeKey } from './resume.js';
import type { GateRecord } from './types.js';

const SETTLE_MS = 3000;

/** Problems with a gate's returned value; a malformed result is a gate bug (EGATEOUTPUT). */
export function resultProblems(r: unknown): string[] {
  if (!r || typeof r !== 'object') return ['the gate returned no object'];
  const x = r as Partial<GateResult>;
  const p: string[] = [];
  if (!['PASS', 'FAIL', 'BLOCKED'].includes(String(x.status)))
    p.push(`status must be PASS, FAIL or BLOCKED, got ${JSON.stringify(x.status)}`);
  if (typeof x.summary !== 'string') p.push('summary must be a string');
  if (!Array.isArray(x.checks)) p.push('checks must be a list');
  if (!Array.isArray(x.evidence)) p.push('evidence must be a list');
  if (!x.facts || typeof x.facts !== 'object' || Array.isArray(x.facts)) p.push('facts must be a mapping');
  return p;
}

export interface GateRunDeps {
  spec: GateSpec;
  module: GateModule<unknown>;
  reportFile: string;
  host: string;
  runSignal: AbortSignal;
  facts: Record<string, Record<string, unknown>>;
  run: RunInfo;
  makeContext: (signal: AbortSignal) => GateContext;
  /**
   * On `run --resume`: given the gate's digests (taken before it would run), a record to reuse instead of running it,
   * or the reason it runs again. Absent on a fresh run.
   */
  decide?: (key: ResumeKey) => { record: GateRecord } | { rerun: string };
}

/** A gate's `with:` params with `${gates.…}` and `${run.…}` references resolved from the facts so far. */
export function resolveGateParams(spec: GateSpec, facts: Record<string, Record<string, unknown>>, run: RunInfo) {
  return resolveReferences(spec.with ?? {}, {
    gates: Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, { facts: v }])),
    run: { id: run.id, dir: run.dir, macro: run.macroId },
  });
}

/** A gate's resume digests: spec, resolved params and what its kind says it reads (taken before the gate runs). */
export async function resumeKey(d: Pick<GateRunDeps, 'spec' | 'module'>, params: unknown, ctx: GateContext): Promise<ResumeKey> {
  const key = { spec_sha256: specDigest(d.spec), params_sha256: paramsDigest(params) };
  if (d.module.reuse === 'present') return { ...key, inputs: 'present' };
  if (!d.module.reuse) return { ...key, inputs: null };
  try {
    return { ...key, inputs: await d.module.reuse.digest(ctx, params) };
  } catch (e) {
    return { ...key, inputs: null, inputs_error: (e as Error).message.split('\n')[0] };
  }
}

/** Runs a gate to a record; never throws. */
export async function runGate(d: GateRunDeps): Promise<GateRecord> {
  const startedAt = new Date();
  const started = performance.now();
  const timeoutS = d.spec.timeout ?? 600;
  const base = {
    id: d.spec.id,
    title: d.spec.title,
    label: d.spec.label ?? d.spec.title,
    kind: d.spec.kind,
    host: d.host,
    report: d.reportFile,
    timeoutS,
    startedAt: startedAt.toISOString(),
  };
  let key: ResumeKey | undefined;
  let rerun: string | undefined;
  let reused: GateRecord | undefined;
  const done = (status: GateStatus, summary: string, extra: Partial<GateRecord> = {}): GateRecord => ({
    ...base,
    status,
    summary,
    checks: [],
    facts: {},
    evidence: [],
    durationMs: Math.round(performance.now() - started),
    ...(key ? { resume: key } : {}),
    ...(rerun ? { rerun } : {}),
    ...extra,
  });

  const resolved = resolveGateParams(d.spec, d.facts, d.run);
  if (resolved.missing.length)
    return done(
      'FAIL',
      `unresolved reference${resolved.missing.length > 1 ? 's' : ''}: ${resolved.missing.join(', ')} (the fact was not produced by the earlier gate)`,
    );
  // Values that came from facts were not known at load time: check the params again now they are.
  const validate = compileSchema(d.module.params);
  if (!validate(resolved.value)) {
    const why = (validate.errors ?? []).map((e) => `with${e.instancePath.replace(/\//g, '.')} ${e.message}`).join('; ');
    return done('FAIL', `params after resolving references do not match the ${d.spec.kind} schema: ${why}`);
  }

  const controller = new AbortController();
  const onRunAbort = () => controller.abort(new Error('aborted'));
  if (d.runSignal.aborted) return done('ABORTED', 'aborted before it started');
  d.runSignal.addEventListener('abort', onRunAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutS} s`));
  }, timeoutS * 1000);

  const ctx = d.makeContext(controller.signal);
  const work = (async () => {
    const full = await resumeKey(d, resolved.value, ctx);
    const decision = d.decide?.(full);
    key = keepManifests(full, d.run.dir);
    if (decision && 'record' in decision) return (reused = decision.record);
    rerun = decision?.rerun;
    const r = await d.module.run(ctx, resolved.value);
    // A gate that changes something records the state it left; a later resume reuses it while that state holds.
    if (typeof d.module.reuse === 'object' && d.module.reuse.after && r?.status === 'PASS')
      key = keepManifests(await resumeKey(d, resolved.value, ctx), d.run.dir);
    return r;
  })();
  // When cancelled, give the gate a moment to notice (its children are being killed), then stop waiting.
  const cancelled = new Promise<'cancelled'>((res) =>
    controller.signal.addEventListener('abort', () => setTimeout(() => res('cancelled'), SETTLE_MS).unref(), { once: true }),
  );
  try {
    const r = await Promise.race([work, cancelled]);
    if (timedOut)
      return done(
        'FAIL',
        `timed out after ${timeoutS} s; its processes were killed`,
        r !== 'cancelled' && !resultProblems(r).length ? { checks: r.checks, evidence: r.evidence } : {},
      );
    if (d.runSignal.aborted)
      return done(
        'ABORTED',
        'aborted by signal; its processes were killed',
        r !== 'cancelled' && !resultProblems(r).length ? { checks: r.checks, evidence: r.evidence } : {},
      );
    if (r === 'cancelled') return done('FAIL', 'cancelled');
    if (reused) return { ...reused, startedAt: base.startedAt, durationMs: Math.round(performance.now() - started) };
    // The framework formats the summary from {messageId, data}; an id the kind lacks is a gate bug (EGATEOUTPUT).
    const f = formatResult(d.module, r);
    if (!f.ok)
      return done('FAIL', `gate bug (EGATEOUTPUT): the ${d.spec.kind} gate returned a malformed result: ${f.problems.join('; ')}`, {
        crash: { message: f.problems.join('; '), stack: '' },
      });
    const x = f.result;
    return {
      ...done(x.status, x.summary),
      ...(x.messageId ? { messageId: x.messageId } : {}),
      checks: x.checks,
      facts: x.facts,
      evidence: x.evidence,
    };
  } catch (e) {
    if (timedOut) return done('FAIL', `timed out after ${timeoutS} s; its processes were killed`);
    if (d.runSignal.aborted) return done('ABORTED', 'aborted by signal; its processes were killed');
    if (e instanceof PolicyRefusal) return done('FAIL', e.message, { checks: [{ status: 'FAIL', text: e.message }] });
    if (isGaterunError(e))
      return done('FAIL', `${e.message}${e.hint ? ` (${e.hint})` : ''}`, { checks: [{ status: 'FAIL', text: `${e.code}: ${e.message}` }] });
    const err = e instanceof Error ? e : new Error(String(e));
    return done('FAIL', `crashed: ${err.message}`, { crash: { message: err.message, stack: err.stack ?? '' } });
  } finally {
    clearTimeout(timer);
    d.runSignal.removeEventListener('abort', onRunAbort);
  }
}
