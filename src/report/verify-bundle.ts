// Verifies a signed run directory: envelope, signature by a trusted key, and every file against its subject.
import type { KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../files/sha256.js';
import { errors } from '../errors.js';
import { decodeBase64, envelopeShapeProblem, IN_TOTO_PAYLOAD_TYPE, verifyPae, type DsseEnvelope } from './dsse.js';
import { configDir, defaultSigningKeyPath, keyIdOf, loadPublicKeys, publicKeyPathFor, type LoadedPublicKey } from './keys.js';
import { ENVELOPE_FILE, RESUMED_FROM, STATEMENT_TYPE, VSA_PREDICATE_TYPE, type Statement } from './sign-bundle.js';

export type ProblemCode =
  | 'unsigned' // no run.intoto.json
  | 'malformed-envelope' // not JSON, not a DSSE envelope, or bad base64
  | 'wrong-payload-type' // payloadType is not application/vnd.in-toto+json
  | 'bad-signature' // a signature names a trusted key but does not verify
  | 'unknown-key' // no signature names a trusted key (or no keys are trusted)
  | 'malformed-statement' // signed payload is not a gaterun in-toto Statement
  | 'changed' // a file's sha256 differs from the signed one
  | 'missing' // a signed file is gone
  | 'extra' // a file that was not signed
  | 'resumed-from'; // the earlier bundle a resumed run reused gates from was changed or does not verify

export interface VerifyProblem {
  code: ProblemCode;
  file?: string;
  message: string;
}

export interface VerifiedOutcome {
  /** The outcome code (verifiedLevels[0]): A, B, C or D. */
  code: string;
  verificationResult: string;
  verifier: string;
  timeVerified: string;
  resourceUri: string;
  policy: { uri: string; sha256: string };
  /** The macro id the statement names (policy.name); absent in bundles signed before it was recorded. */
  macroId?: string;
  ledgerSha256?: string;
  /** A resumed run: the earlier bundle's run.intoto.json (relative to this run dir) and its signed sha256. */
  resumedFrom?: { uri: string; sha256: string };
  files: number;
}

export interface VerifyResult {
  ok: boolean;
  /** keyid of the trusted key whose signature verified. */
  keyid?: string;
  problems: VerifyProblem[];
  /** Read from the signed statement; present only once the signature verified. */
  outcome?: VerifiedOutcome;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Files of the run dir other than the envelope; non-regular entries are reported separately, not followed. */
function walkRunDir(runDir: string): { files: string[]; others: string[] } {
  const files: string[] = [];
  const others: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(runDir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) {
        if (name !== ENVELOPE_FILE) files.push(name);
      } else others.push(name);
    }
  };
  walk('');
  return { files: files.sort(), others: others.sort() };
}

function statementProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'payload is not a JSON object';
  const st = value as Partial<Statement>;
  if (st._type !== STATEMENT_TYPE) return `_type is ${JSON.stringify(st._type)}, expected ${STATEMENT_TYPE}`;
  if (st.predicateType !== VSA_PREDICATE_TYPE)
    return `predicateType is ${JSON.stringify(st.predicateType)}, expected ${VSA_PREDICATE_TYPE}`;
  if (!Array.isArray(st.subject)) return 'subject is not a list';
  const seen = new Set<string>();
  for (const s of st.subject) {
    const name = (s as { name?: unknown })?.name;
    if (typeof name !== 'string' || !name || name.startsWith('/') || name.split('/').some((p) => p === '' || p === '.' || p === '..')) {
      return `subject name ${JSON.stringify(name)} is not a plain relative path`;
    }
    if (seen.has(name)) return `subject ${name} is listed twice`;
    seen.add(name);
    if (!HEX64.test(String(s.digest?.sha256))) return `subject ${name} has no sha256 digest`;
  }
  const p = st.predicate;
  if (typeof p !== 'object' || p === null) return 'predicate is missing';
  if (!Array.isArray(p.verifiedLevels) || typeof p.verifiedLevels[0] !== 'string') return 'predicate.verifiedLevels is missing';
  return null;
}

/** Outcome of checking the envelope alone: the signature by a trusted key and the statement's shape. */
export type EnvelopeCheck =
  { ok: true; keyid: string; statement: Statement; outcome: VerifiedOutcome } | { ok: false; keyid?: string; problem: VerifyProblem };

/** Checks run.intoto.json's bytes: a DSSE envelope, signed by a trusted key, over a gaterun in-toto Statement. No file access. */
export function verifyEnvelope(raw: Buffer | string, trustedKeys: KeyObject[]): EnvelopeCheck {
  const bad = (code: ProblemCode, message: string, keyid?: string): EnvelopeCheck => ({
    ok: false,
    ...(keyid ? { keyid } : {}),
    problem: { code, file: ENVELOPE_FILE, message },
  });
  let envelope: DsseEnvelope;
  try {
    const parsed: unknown = JSON.parse(raw.toString());
    const shape = envelopeShapeProblem(parsed);
    if (shape) return bad('malformed-envelope', `${ENVELOPE_FILE} is not a DSSE envelope: ${shape}`);
    envelope = parsed as DsseEnvelope;
  } catch (e) {
    return bad('malformed-envelope', `${ENVELOPE_FILE} is not valid JSON: ${(e as Error).message}`);
  }
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return bad('wrong-payload-type', `payloadType is ${JSON.stringify(envelope.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
  let payload: Buffer;
  try {
    payload = decodeBase64(envelope.payload);
  } catch (e) {
    return bad('malformed-envelope', `payload: ${(e as Error).message}`);
  }

  // keyid is an unauthenticated hint: a signature naming a trusted keyid is checked with that key only;
  // one without a keyid is tried against every trusted key.
  const trusted = trustedKeys.map((key) => ({ key, keyid: keyIdOf(key) }));
  let verifiedBy: string | undefined;
  const badSigs: string[] = [];
  const unknownKeyids: string[] = [];
  for (const [i, s] of envelope.signatures.entries()) {
    const candidates = s.keyid ? trusted.filter((t) => t.keyid === s.keyid) : trusted;
    if (s.keyid && candidates.length === 0) {
      unknownKeyids.push(s.keyid);
      continue;
    }
    let sig: Buffer;
    try {
      sig = decodeBase64(s.sig);
    } catch (e) {
      badSigs.push(`signatures[${i}].sig: ${(e as Error).message}`);
      continue;
    }
    const good = candidates.find((t) => verifyPae(envelope.payloadType, payload, sig, t.key));
    if (good) {
      verifiedBy = good.keyid;
      break;
    }
    badSigs.push(`signatures[${i}]${s.keyid ? ` (keyid ${s.keyid.slice(0, 16)})` : ''} does not verify`);
  }
  if (!verifiedBy) {
    if (badSigs.length) return bad('bad-signature', `bad signature: ${badSigs.join('; ')} — the envelope or its payload was altered`);
    const known = trusted.length
      ? `trusted: ${trusted.map((t) => t.keyid.slice(0, 16)).join(', ')}`
      : 'no keys are trusted (pass --key PUB.pem or put keys in ~/.config/gaterun/trusted/)';
    return bad('unknown-key', `signed by an untrusted key ${unknownKeyids.map((k) => k.slice(0, 16)).join(', ')}; ${known}`);
  }

  let statement: Statement;
  try {
    const parsed: unknown = JSON.parse(payload.toString('utf8'));
    const why = statementProblem(parsed);
    if (why) return bad('malformed-statement', why, verifiedBy);
    statement = parsed as Statement;
  } catch (e) {
    return bad('malformed-statement', `payload is not JSON: ${(e as Error).message}`, verifiedBy);
  }
  return { ok: true, keyid: verifiedBy, statement, outcome: outcomeOf(statement) };
}

/** What the signed statement says about the run (everything here is covered by the signature). */
function outcomeOf(statement: Statement): VerifiedOutcome {
  const p = statement.predicate;
  const ledger = p.inputAttestations?.find((a) => a?.uri === 'ledger.jsonl');
  const outcome: VerifiedOutcome = {
    code: p.verifiedLevels[0],
    verificationResult: String(p.verificationResult),
    verifier: String(p.verifier?.id),
    timeVerified: String(p.timeVerified),
    resourceUri: String(p.resourceUri),
    policy: { uri: String(p.policy?.uri), sha256: String(p.policy?.digest?.sha256) },
    files: statement.subject.length,
  };
  if (typeof p.policy?.name === 'string') outcome.macroId = p.policy.name;
  if (ledger?.digest?.sha256) outcome.ledgerSha256 = ledger.digest.sha256;
  const earlier = p.inputAttestations?.find((a) => a?.name === RESUMED_FROM);
  if (earlier?.digest?.sha256) outcome.resumedFrom = { uri: String(earlier.uri), sha256: earlier.digest.sha256 };
  return outcome;
}

/** The files found in a run dir: regular files (with a way to hash each) and entries that are not regular files. */
export interface RunDirListing {
  files: string[];
  others: string[];
  sha256(name: string): string;
}

/** Compares the signed subjects with what is in the run dir: changed, missing and extra files. */
export function compareSubjects(statement: Statement, listing: RunDirListing): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const onDisk = new Set(listing.files);
  const signed = new Set(statement.subject.map((s) => s.name));
  for (const s of statement.subject) {
    if (!onDisk.has(s.name)) {
      const other = listing.others.includes(s.name);
      problems.push({
        code: other ? 'changed' : 'missing',
        file: s.name,
        message: `${s.name} ${other ? 'is no longer a regular file' : 'is missing'} (signed sha256 ${s.digest.sha256.slice(0, 16)}…)`,
      });
      continue;
    }
    const actual = listing.sha256(s.name);
    if (actual !== s.digest.sha256)
      problems.push({
        code: 'changed',
        file: s.name,
        message: `${s.name} was changed: sha256 ${actual.slice(0, 16)}… ≠ signed ${s.digest.sha256.slice(0, 16)}…`,
      });
  }
  for (const name of [...listing.files, ...listing.others].sort()) {
    if (!signed.has(name)) problems.push({ code: 'extra', file: name, message: `${name} is not part of the signed run` });
  }
  return problems;
}

/** Verifies runDir/run.intoto.json against trusted Ed25519 public keys and the files on disk. */
export function verifyBundle(runDir: string, options: { trustedKeys: KeyObject[] }, depth = 0): VerifyResult {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw errors.runDirInvalid(runDir, 'not a directory');
  const envelopePath = join(runDir, ENVELOPE_FILE);
  if (!existsSync(envelopePath))
    return {
      ok: false,
      problems: [{ code: 'unsigned', file: ENVELOPE_FILE, message: `${ENVELOPE_FILE} is missing: the run is not signed` }],
    };
  const env = verifyEnvelope(readFileSync(envelopePath), options.trustedKeys);
  if (!env.ok) return { ok: false, ...(env.keyid ? { keyid: env.keyid } : {}), problems: [env.problem] };
  const { files, others } = walkRunDir(runDir);
  const problems = compareSubjects(env.statement, { files, others, sha256: (name) => sha256Hex(readFileSync(join(runDir, name))) });
  problems.push(...chainProblems(runDir, env.outcome, options.trustedKeys, depth));
  return { ok: problems.length === 0, keyid: env.keyid, problems, outcome: env.outcome };
}

/**
 * A resumed run reuses the records of an earlier bundle, so that bundle is part of what is verified: when it is where
 * the statement says, its envelope must have the signed sha256 and it must verify in turn. A bundle moved away is not
 * a problem of this one (the text says so), a changed one is.
 */
function chainProblems(runDir: string, outcome: VerifiedOutcome, trustedKeys: KeyObject[], depth: number): VerifyProblem[] {
  const r = outcome.resumedFrom;
  if (!r) return [];
  const at = join(runDir, r.uri);
  if (!existsSync(at)) return [];
  const actual = sha256Hex(readFileSync(at));
  if (actual !== r.sha256)
    return [
      {
        code: 'resumed-from',
        file: r.uri,
        message: `the earlier bundle this run resumed from was changed: ${r.uri} sha256 ${actual.slice(0, 16)}… ≠ signed ${r.sha256.slice(0, 16)}…`,
      },
    ];
  if (depth >= MAX_CHAIN) return [{ code: 'resumed-from', file: r.uri, message: `resume chain longer than ${MAX_CHAIN} bundles` }];
  const earlier = verifyBundle(dirname(at), { trustedKeys }, depth + 1);
  return earlier.problems.map((p) => ({
    code: 'resumed-from' as const,
    file: p.file ? join(dirname(r.uri), p.file) : r.uri,
    message: `earlier bundle ${dirname(r.uri)}: ${p.message}`,
  }));
}

const MAX_CHAIN = 50;

/**
 * Keys trusted when `verify` gets no --key: every *.pem in ~/.config/gaterun/trusted/ plus
 * signing-key.pub.pem next to the default signing key (so a run signed on this machine verifies here).
 */
export function defaultTrustedKeys(env: NodeJS.ProcessEnv = process.env): LoadedPublicKey[] {
  const paths: string[] = [];
  const dir = join(configDir(env), 'trusted');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.pem')) paths.push(join(dir, f));
  }
  const own = publicKeyPathFor(defaultSigningKeyPath(env));
  if (existsSync(own)) paths.push(own);
  const keys = loadPublicKeys(paths);
  const seen = new Set<string>();
  return keys.filter((k) => (seen.has(k.keyid) ? false : (seen.add(k.keyid), true)));
}

/** Human text for `gaterun verify`: one OK line, or FAILED and one line per problem. */
export function formatVerifyResult(runDir: string, result: VerifyResult): string {
  if (result.ok && result.outcome) {
    const o = result.outcome;
    const chain = o.resumedFrom
      ? existsSync(join(runDir, o.resumedFrom.uri))
        ? `; resumed from ${dirname(o.resumedFrom.uri)}, which verifies too`
        : `; resumed from ${dirname(o.resumedFrom.uri)} (sha256 ${o.resumedFrom.sha256.slice(0, 16)}…), not found to check`
      : '';
    return `OK ${runDir}: ${o.files} files match, signed by ed25519 keyid ${result.keyid!.slice(0, 16)}; outcome ${o.code} (${o.verificationResult}), ${o.verifier}, ${o.timeVerified}${chain}`;
  }
  return [
    `FAILED ${runDir}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`,
    ...result.problems.map((p) => `  ${p.code.padEnd(19)} ${p.message}`),
  ].join('\n');
}

/** What `gaterun verify` may require of a bundle beyond its integrity; every value is compared with the signed statement. */
export interface VerifyPolicy {
  /** Outcome code the run must have ended with (A, B, C or D). */
  require?: string;
  /** Macro id the statement must name. */
  macro?: string;
  /** sha256 of the macro file the statement must name. */
  macroSha256?: string;
  /** Oldest acceptable signing time, as milliseconds before `now`, and as the user wrote it (1d). */
  maxAge?: { ms: number; text: string };
  now?: Date;
}

export interface PolicyProblem {
  policy: 'require' | 'macro' | 'macro-sha256' | 'max-age';
  message: string;
}

/** A signing time this far in the future is a clock skew; beyond it the bundle fails --max-age. */
const FUTURE_SKEW_MS = 5 * 60_000;

/** Checks a verified outcome (from the signed statement) against a policy; one problem per policy not met. */
export function checkPolicy(outcome: VerifiedOutcome, policy: VerifyPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (policy.require && outcome.code !== policy.require)
    problems.push({ policy: 'require', message: `outcome ${outcome.code}, wanted ${policy.require}` });
  if (policy.macro && outcome.macroId !== policy.macro)
    problems.push({
      policy: 'macro',
      message: outcome.macroId
        ? `macro ${outcome.macroId}, wanted ${policy.macro}`
        : `the signed statement names no macro id (signed before gaterun recorded it), wanted ${policy.macro}`,
    });
  if (policy.macroSha256 && outcome.policy.sha256 !== policy.macroSha256.toLowerCase())
    problems.push({
      policy: 'macro-sha256',
      message: `macro file sha256 ${outcome.policy.sha256.slice(0, 16)}…, wanted ${policy.macroSha256.slice(0, 16)}…`,
    });
  if (policy.maxAge) {
    const signed = Date.parse(outcome.timeVerified);
    const age = (policy.now ?? new Date()).getTime() - signed;
    if (Number.isNaN(signed)) problems.push({ policy: 'max-age', message: `signed time ${outcome.timeVerified} is not a date` });
    else if (age < -FUTURE_SKEW_MS)
      problems.push({ policy: 'max-age', message: `signed ${outcome.timeVerified}, ${formatAge(-age)} in the future` });
    else if (age > policy.maxAge.ms)
      problems.push({ policy: 'max-age', message: `signed ${formatAge(age)} ago, max ${policy.maxAge.text}` });
  }
  return problems;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Parses a duration such as 90s, 30m, 12h, 1d, 2w or 1d12h into milliseconds; null when it is not one. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!/^(\d+(?:\.\d+)?[smhdw])+$/.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms > 0 ? ms : null;
}

/** An age in the largest whole unit: 3 days, 5 hours, 12 minutes, 40 seconds. */
export function formatAge(ms: number): string {
  for (const [unit, size] of [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ] as const) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  const s = Math.floor(ms / 1000);
  return `${s} second${s === 1 ? '' : 's'}`;
}

/** Human text for the policy part of `gaterun verify`: `POLICY NOT MET …` lines, or '' when every policy holds. */
export function formatPolicyProblems(runDir: string, problems: PolicyProblem[]): string {
  if (!problems.length) return '';
  return [
    `POLICY NOT MET ${runDir}: ${problems.map((p) => p.message).join('; ')}`,
    ...problems.map((p) => `  ${p.policy.padEnd(19)} ${p.message}`),
  ].join('\n');
}
