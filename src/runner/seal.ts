// Phase `seal`: render every file, scan them for secrets and sign, as one unit: no file claims a signature the run lacks.
import { join, relative } from 'node:path';
import type { Ledger } from '../context/ledger.js';
import { writeFileAtomic } from '../files/write-atomic.js';
import { version } from '../paths.js';
import { signatureLabel, type LoadedPrivateKey } from '../report/keys.js';
import type { Redactor } from '../report/redact.js';
import { renderFinalReport, renderGateReport } from '../report/render-report.js';
import { ENVELOPE_FILE, signBundle } from '../report/sign-bundle.js';
import type { RunRecord } from './types.js';

// Reports are written atomically but not fsynced one by one (100 fsyncs cost more than the gates of a 100-gate run):
// a crash before they reach the disk leaves a bundle that fails verification, never one that verifies wrongly.
const NO_SYNC = { sync: false };

/** Renders every report and writes run.json and ledger.jsonl into the run directory. */
export function writeRunFiles(dir: string, record: RunRecord, ledger: Ledger): void {
  record.gates.forEach((g, i) => {
    if (g.report) writeFileAtomic(join(dir, g.report), renderGateReport(record, i), NO_SYNC);
  });
  writeFileAtomic(join(dir, record.files.final), renderFinalReport(record), NO_SYNC);
  writeFileAtomic(join(dir, 'ledger.jsonl'), ledger.toJsonl(), NO_SYNC);
  writeFileAtomic(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n', NO_SYNC);
}

export interface SealOptions {
  redactor?: Redactor;
  signingKey?: LoadedPrivateKey | null;
  macroFile: string;
  macroSha256: string;
  /** The macro id the signed statement names (what `verify --macro` and the predecessor gate check). */
  macroId: string;
  target: string;
  /** The earlier signed run this one resumed from: its envelope becomes an input of the statement. */
  resumedFrom?: { dir: string; envelopeSha256: string };
}

/** How the seal ended: signed with a keyid, or unsigned with the reason. */
export type SealResult =
  { signed: true; keyid: string } | { signed: false; reason: 'no key' | 'secret leak' | 'signing failed'; detail?: string };

/**
 * Writes the run's files with the signature label of the key about to sign, scans them, then signs. When the scan
 * finds a secret, or signing fails, every file is written again saying UNSIGNED before anything is returned.
 */
export function seal(dir: string, record: RunRecord, ledger: Ledger, o: SealOptions): SealResult {
  const unsigned = (reason: 'no key' | 'secret leak' | 'signing failed', detail?: string): SealResult => {
    record.final_outcome.signature = 'UNSIGNED';
    writeRunFiles(dir, record, ledger);
    return { signed: false, reason, ...(detail ? { detail } : {}) };
  };
  record.final_outcome.signature = o.signingKey ? signatureLabel(o.signingKey.keyid) : 'UNSIGNED';
  writeRunFiles(dir, record, ledger);
  // Fail closed: a secret value in any output means no signature.
  const leaks = o.redactor ? o.redactor.scanFiles(dir) : [];
  if (leaks.length) {
    record.secret_leak = leaks;
    return unsigned('secret leak');
  }
  if (!o.signingKey) return { signed: false, reason: 'no key' };
  try {
    signBundle(dir, {
      privateKey: o.signingKey.key,
      macroFile: o.macroFile,
      macroSha256: o.macroSha256,
      macroId: o.macroId,
      target: o.target,
      outcomeCode: record.outcome.code,
      version,
      resumedFrom: o.resumedFrom
        ? { uri: relative(dir, join(o.resumedFrom.dir, ENVELOPE_FILE)), sha256: o.resumedFrom.envelopeSha256 }
        : undefined,
    });
    return { signed: true, keyid: o.signingKey.keyid };
  } catch (e) {
    return unsigned('signing failed', (e as Error).message);
  }
}
