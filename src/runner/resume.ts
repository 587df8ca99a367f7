// `run --resume`: which gates of an earlier signed run may be reused, decided gate by gate from digests.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isMutation, type LedgerEntry } from '../context/ledger.js';
import { parseManifest } from '../files/manifest.js';
import type { KeyObject } from 'node:crypto';
import { errors } from '../errors.js';
import type { GateModule, InputDigest, TargetInfo } from '../gate.js';
import type { GateSpec } from '../macro/types.js';
import { ENVELOPE_FILE } from '../report/sign-bundle.js';
import { verifyBundle } from '../report/verify-bundle.js';
import type { GateRecord, RunRecord } from './types.js';

/** JSON with object keys sorted at every level: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The digest of a gate's spec as the macro writes it (before `${…}` resolution). */
export function specDigest(spec: GateSpec): string {
  return sha256(canonicalJson(spec));
}

/** The digest of a gate's params after `${…}` resolution. */
export function paramsDigest(params: unknown): string {
  return sha256(canonicalJson(params ?? {}));
}

/**
 * The digest of the target as loaded, without `values:`: hosts, paths, databases, protect, keys. Values are left out
 * because a gate sees a value only through `${target.values.…}`, which lands in its resolved params (compared per gate).
 */
export function targetDigest(target: TargetInfo): string {
  const { values: _values, ...rest } = target;
  return sha256(canonicalJson(rest));
}

/** What a run records per gate so a later `--resume` can compare: spec and params digests, and what the gate read. */
export interface ResumeKey {
  spec_sha256: string;
  params_sha256: string;
  /** The gate's input digests; `present` for kinds whose truth is about now; null when the kind cannot say. */
  inputs: InputDigest[] | 'present' | null;
  /** Why the inputs could not be digested, when they could not. */
  inputs_error?: string;
}

/** An earlier signed run, checked and ready to lend its records. */
export interface ResumeSource {
  dir: string;
  runId: string;
  /** keyid of the trusted key that signed it. */
  keyid: string;
  signedAt: string;
  /** sha256 of its run.intoto.json: recorded as an input of the new statement. */
  envelopeSha256: string;
  /** Its main-section gate records by id. */
  records: Map<string, GateRecord>;
  /** Null when its target digest equals this run's, else why not. */
  targetChanged: string | null;
  /** Gate id → the first later gate of the earlier run that made a change (a mutating ledger entry) before it stopped. */
  changedAfter: Map<string, string>;
}

/** For each gate of a run, the first later gate that made a change (mutating ledger entries, not refused, not the run dir). */
function changedAfterOf(dir: string, gates: GateRecord[]): Map<string, string> {
  const changers = new Set<string>();
  for (const line of readFileSync(join(dir, 'ledger.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as LedgerEntry;
    if (e.gate && isMutation(e)) changers.add(e.gate);
  }
  const out = new Map<string, string>();
  let next: string | null = null;
  for (let i = gates.length - 1; i >= 0; i--) {
    if (next) out.set(gates[i].id, next);
    if (changers.has(gates[i].id)) next = gates[i].id;
  }
  return out;
}

/** The newest run directory of a macro under the reports dir (`--resume last`), or null. */
export function lastRunDir(reportsDir: string, macroId: string): string | null {
  const root = join(reportsDir, macroId);
  if (!existsSync(root)) return null;
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'run.json')))
    .map((d) => join(root, d.name))
    .sort((a, b) => statSync(join(a, 'run.json')).mtimeMs - statSync(join(b, 'run.json')).mtimeMs || (a < b ? -1 : 1));
  return dirs.at(-1) ?? null;
}

/**
 * Checks an earlier run before anything of it is reused: its bundle verifies with a trusted key (a tampered or unsigned
 * bundle refuses, naming the file) and its signed statement names the same macro. Throws ERESUME otherwise.
 */
export function loadResumeSource(at: string, o: { macroId: string; trustedKeys: KeyObject[]; target: TargetInfo }): ResumeSource {
  const dir = resolve(at);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw errors.resumeRefused(at, 'no such run directory');
  const v = verifyBundle(dir, { trustedKeys: o.trustedKeys });
  if (!v.ok || !v.outcome || !v.keyid) {
    const p = v.problems[0];
    throw errors.resumeRefused(
      at,
      `its bundle does not verify: ${p ? `${p.file ? `${p.file}: ` : ''}${p.message}` : 'unknown problem'}${v.problems.length > 1 ? ` (+${v.problems.length - 1} more)` : ''}`,
      'only a signed, untouched run can lend its gates; check it with `gaterun verify`',
    );
  }
  if (v.outcome.macroId !== o.macroId)
    throw errors.resumeRefused(at, `it is a run of ${v.outcome.macroId ?? 'an unnamed macro'}, not ${o.macroId}`);
  const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord & { target: { sha256?: string } };
  const was = record.target?.sha256;
  return {
    dir,
    runId: record.run_id,
    keyid: v.keyid,
    signedAt: v.outcome.timeVerified,
    envelopeSha256: createHash('sha256')
      .update(readFileSync(join(dir, ENVELOPE_FILE)))
      .digest('hex'),
    records: new Map(record.gates.map((g) => [g.id, g])),
    changedAfter: changedAfterOf(dir, record.gates),
    targetChanged: !was
      ? 'the earlier run recorded no target digest'
      : was !== targetDigest(o.target)
        ? 'the target changed (hosts, paths, databases or keys; values are compared per gate)'
        : null,
  };
}

/** A gate's reuse decision: reuse the earlier record, or run again saying why. `breaks`: later gates run again too. */
export type ReuseDecision = { reuse: true; earlier: GateRecord; why: string } | { reuse: false; why: string; breaks: boolean };

/** Decides one gate: reused only when it passed before and its spec, params and input digests are all unchanged. */
export function decideReuse(
  spec: GateSpec,
  module: Pick<GateModule<unknown>, 'reuse' | 'kind'>,
  now: ResumeKey,
  src: ResumeSource,
  brokenBy: string | null,
): ReuseDecision {
  if (module.reuse === 'present') return decidePresent(spec, now, src, brokenBy);
  if (!module.reuse) return { reuse: false, why: `the ${module.kind} kind cannot say what it reads`, breaks: true };
  if (brokenBy) return { reuse: false, why: `after ${brokenBy}`, breaks: true };
  const no = (why: string): ReuseDecision => ({ reuse: false, why, breaks: true });
  if (src.targetChanged) return no(src.targetChanged);
  const e = src.records.get(spec.id);
  if (!e) return no(`not in run ${src.runId}`);
  if (e.status === 'NOT_RUN' || e.status === 'PENDING') return no(`it did not run in run ${src.runId}`);
  if (e.status !== 'PASS') return no(`it ended ${e.status} in run ${src.runId}`);
  const was = (e as GateRecord & { resume?: ResumeKey }).resume;
  if (!was) return no(`run ${src.runId} recorded no digests for it`);
  if (was.spec_sha256 !== now.spec_sha256) return no('its spec in the macro changed');
  const after = typeof module.reuse === 'object' && module.reuse.after;
  if (!after && was.params_sha256 !== now.params_sha256) return no('its resolved params changed');
  if (now.inputs === null)
    return no(now.inputs_error ? `its inputs could not be digested: ${now.inputs_error}` : 'it cannot say what it reads here');
  if (was.inputs === null || was.inputs === 'present') return no(`run ${src.runId} recorded no input digests for it`);
  if (now.inputs === 'present') return { reuse: false, why: 'its truth is about the present', breaks: false };
  const before = new Map(was.inputs.map((i) => [inputKey(i.name), i.sha256]));
  const changed = now.inputs
    .filter((i) => before.get(inputKey(i.name)) !== i.sha256)
    .map((i) => `${inputKey(i.name)}${filesChanged(src.dir, before.get(inputKey(i.name)), i.manifest)}`);
  if (changed.length || before.size !== now.inputs.length)
    return no(`${after ? 'the state it left changed' : 'changed'}: ${changed.join('; ') || 'the set of inputs'}`);
  return { reuse: true, earlier: e, why: after ? 'the state it left is still in place' : 'its spec, params and inputs are unchanged' };
}

/**
 * A gate whose truth is about the present runs again, except one the earlier run's own later change has overtaken
 * (a precheck before that run's commit or deploy): re-checked now it would see the state the run itself made, so its
 * earlier PASS is carried over, saying it held before that change.
 */
function decidePresent(spec: GateSpec, now: ResumeKey, src: ResumeSource, brokenBy: string | null): ReuseDecision {
  const rerun: ReuseDecision = { reuse: false, why: 'its truth is about the present', breaks: false };
  const changer = src.changedAfter.get(spec.id);
  const e = src.records.get(spec.id);
  const was = e?.resume;
  if (brokenBy || !changer || !e || e.status !== 'PASS' || !was || src.targetChanged) return rerun;
  if (was.spec_sha256 !== now.spec_sha256 || was.params_sha256 !== now.params_sha256) return rerun;
  return {
    reuse: true,
    earlier: e,
    why: `it held before ${changer} made its change in run ${src.runId}, and cannot be re-checked after that change`,
  };
}

/** Where a run keeps the per-file list behind a tree input digest. */
export const manifestPath = (runDir: string, sha256: string) => join(runDir, 'inputs', `${sha256}.txt`);

/** `: 3 files (a.txt, b.txt, +1 more)` from the earlier run's per-file list and the current one; '' when unknown. */
function filesChanged(earlierDir: string, earlierSha: string | undefined, manifest: string | undefined): string {
  if (!earlierSha || manifest === undefined || !/^[0-9a-f]{64}$/.test(earlierSha)) return '';
  let old: Map<string, string>;
  try {
    old = parseManifest(readFileSync(manifestPath(earlierDir, earlierSha), 'utf8'));
  } catch {
    return '';
  }
  const now = parseManifest(manifest);
  const names = [...new Set([...old.keys(), ...now.keys()])].filter((p) => old.get(p) !== now.get(p)).sort();
  if (!names.length) return '';
  const shown = names.slice(0, 3).join(', ');
  return `: ${names.length} file${names.length === 1 ? '' : 's'} (${shown}${names.length > 3 ? `, +${names.length - 3} more` : ''})`;
}

/** Writes the per-file lists of a key's tree inputs into the run dir and returns the key without them (the record's form). */
export function keepManifests(key: ResumeKey, runDir: string): ResumeKey {
  if (!Array.isArray(key.inputs) || !key.inputs.some((i) => i.manifest !== undefined)) return key;
  return {
    ...key,
    inputs: key.inputs.map(({ manifest, ...i }) => {
      const file = manifestPath(runDir, i.sha256);
      if (manifest !== undefined && !existsSync(file)) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, manifest);
      }
      return i;
    }),
  };
}

/** An input's identity without its trailing file count (`tree h:/x (cwd, 12 files)` → `tree h:/x (cwd)`). */
function inputKey(name: string): string {
  return name.replace(/, \d+ files\)$/, ')');
}

/** The record of a reused gate: the earlier record, marked with where it came from; its report links to the earlier one. */
export function reusedRecord(
  e: GateRecord,
  src: ResumeSource,
  newDir: string,
  reportFile: string,
  key: ResumeKey,
  why: string,
): GateRecord {
  const link = (from: string | null) => (from ? relative(newDir, resolve(src.dir, from)).split('\\').join('/') : null);
  // A record the earlier run itself reused keeps pointing at the run that produced it.
  const origin = e.reused
    ? { ...e.reused, report: link(e.reused.report), why }
    : { run_id: src.runId, keyid: src.keyid, signed_at: src.signedAt, report: link(e.report || null), why };
  // Logs named by the evidence live in the earlier run dir; ledger numbers refer to its ledger, so they are dropped here.
  const evidence = e.evidence.map(({ ledger: _ledger, ...ev }) => ({
    ...ev,
    ...(ev.stdoutLog ? { stdoutLog: link(ev.stdoutLog) ?? undefined } : {}),
    ...(ev.stderrLog ? { stderrLog: link(ev.stderrLog) ?? undefined } : {}),
  }));
  return { ...e, evidence, report: reportFile, reused: origin, resume: key, attempts: undefined };
}
