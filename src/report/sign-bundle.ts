// Signs a run directory: a DSSE envelope (run.intoto.json) of an in-toto Statement v1 whose subjects are every other file.
import type { KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../files/write-atomic.js';
import { join } from 'node:path';
import { sha256Hex } from '../files/sha256.js';
import { errors } from '../errors.js';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse.js';
import { keyIdOf } from './keys.js';

export const ENVELOPE_FILE = 'run.intoto.json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';

/** One signed file: path relative to the run dir (forward slashes) and its sha256. */
export interface Subject {
  name: string;
  digest: { sha256: string };
}

/**
 * SLSA Verification Summary v1 as gaterun fills it. The ledger digest goes in `inputAttestations`
 * ({uri: 'ledger.jsonl', digest}) — the VSA's own field for "the evidence this verdict was computed from" —
 * rather than a custom extension, so generic in-toto/VSA tooling shows it. (ledger.jsonl is also a subject.)
 */
export interface GaterunPredicate {
  verifier: { id: string };
  timeVerified: string;
  resourceUri: string;
  /** The macro as an in-toto ResourceDescriptor: file, sha256 and (name) the macro id, so a reader can require "a run of O8B". */
  policy: { uri: string; name?: string; digest: { sha256: string } };
  inputAttestations: { uri: string; name?: string; digest: { sha256: string } }[];
  verificationResult: 'PASSED' | 'FAILED';
  verifiedLevels: string[];
  [extra: string]: unknown;
}

export interface Statement {
  _type: string;
  subject: Subject[];
  predicateType: string;
  predicate: GaterunPredicate;
}

export interface SignBundleOptions {
  privateKey: KeyObject;
  /** Path of the macro file as the policy uri (e.g. macros/O8C.yaml). */
  macroFile: string;
  macroSha256: string;
  /** The macro id (O8C); default: `macro.id` of the run dir's run.json. */
  macroId?: string;
  /** The target's name or file: the VSA resourceUri. */
  target: string;
  /** A | B | C | D. */
  outcomeCode: string;
  /** gaterun's version, for verifier.id. */
  version: string;
  ledgerFile?: string;
  now?: Date;
  /** The earlier bundle a resumed run reused gates from: its run.intoto.json (path relative to this run dir) and sha256. */
  resumedFrom?: { uri: string; sha256: string };
}

/** The name of the input attestation that records the earlier bundle of a resumed run. */
export const RESUMED_FROM = 'resumed-from';

/** Every file of a run dir except the envelope, recursive, as sorted relative paths; throws on symlinks and special files. */
export function listRunFiles(runDir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(runDir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) {
        if (name !== ENVELOPE_FILE) out.push(name);
      } else {
        // A symlink's target can change after signing without touching the run dir.
        throw errors.runDirInvalid(runDir, `${name} is not a regular file (symlinks and special files cannot be signed)`);
      }
    }
  };
  walk('');
  return out.sort();
}

/** sha256 subjects for the given relative paths. */
export function subjectsOf(runDir: string, names: string[]): Subject[] {
  return names.map((name) => ({ name, digest: { sha256: sha256Hex(readFileSync(join(runDir, name))) } }));
}

/** `{name: macroId}` from the option, else from run.json's macro.id (the runner writes it before signing); `{}` when neither. */
function macroName(runDir: string, macroId: string | undefined): { name?: string } {
  if (macroId) return { name: macroId };
  try {
    const id = (JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { macro?: { id?: unknown } }).macro?.id;
    return typeof id === 'string' && id ? { name: id } : {};
  } catch {
    return {};
  }
}

/** Signs every file of runDir into runDir/run.intoto.json; returns its path and the signing keyid. */
export function signBundle(runDir: string, options: SignBundleOptions): { envelopePath: string; keyid: string; statement: Statement } {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw errors.runDirInvalid(runDir, 'not a directory');
  const ledgerFile = options.ledgerFile ?? 'ledger.jsonl';
  const names = listRunFiles(runDir);
  if (!names.includes(ledgerFile)) {
    throw errors.runDirInvalid(runDir, `${ledgerFile} is missing; write the ledger before signing`);
  }
  const subject = subjectsOf(runDir, names);
  const ledgerDigest = subject.find((s) => s.name === ledgerFile)!.digest.sha256;
  const statement: Statement = {
    _type: STATEMENT_TYPE,
    subject,
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: `gaterun@${options.version}` },
      timeVerified: (options.now ?? new Date()).toISOString(),
      resourceUri: options.target,
      policy: { uri: options.macroFile, ...macroName(runDir, options.macroId), digest: { sha256: options.macroSha256 } },
      inputAttestations: [
        { uri: ledgerFile, digest: { sha256: ledgerDigest } },
        ...(options.resumedFrom
          ? [{ uri: options.resumedFrom.uri, name: RESUMED_FROM, digest: { sha256: options.resumedFrom.sha256 } }]
          : []),
      ],
      verificationResult: options.outcomeCode === 'A' ? 'PASSED' : 'FAILED',
      verifiedLevels: [options.outcomeCode],
    },
  };
  const keyid = keyIdOf(options.privateKey);
  const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), options.privateKey, keyid);
  const envelopePath = join(runDir, ENVELOPE_FILE);
  writeFileAtomic(envelopePath, JSON.stringify(envelope, null, 2) + '\n');
  return { envelopePath, keyid, statement };
}
