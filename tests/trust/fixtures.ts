// Shared fixtures for the trust tests: temp dirs, a key pair, a realistic run bundle.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '../../src/context/ledger.js';

const made: string[] = [];

/** A fresh temp dir, removed by cleanupTempDirs(). */
export function tempDir(prefix = 'gaterun-trust-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
}

export function keyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export const REPORT_TITLES = [
  'precheck-live',
  'version-survey',
  'baseline-tests',
  'proof-design',
  'rollback-proof',
  'gap-matrix',
  'next-command-package',
  'cleanup-disable',
  'kb-reporting',
  'residue',
  'attestations',
  'final-o8c-report',
];

export function ledgerEntries(): LedgerEntry[] {
  const t = '2026-11-21T10:22:33.000Z';
  return [
    {
      seq: 1,
      time: t,
      gate: 'G0',
      action: 'exec',
      target: 'git -C /src status --porcelain',
      host: 'local',
      mutating: false,
      outcome: 'ok',
    },
    { seq: 2, time: t, gate: 'G0', action: 'ssh', target: 'cat /opt/cutter/MANIFEST', host: 'vps', mutating: false, outcome: 'ok' },
    {
      seq: 3,
      time: t,
      gate: 'G4',
      action: 'db.tx',
      target: 'cutter_exec@127.0.0.1:5432/directus',
      host: 'local',
      mutating: false,
      scope: 'db',
      outcome: 'rolled-back',
    },
    {
      seq: 4,
      time: t,
      gate: 'G4',
      action: 'file.write',
      target: 'reports/O8C/x/evidence.txt',
      host: 'local',
      mutating: true,
      scope: 'run',
      outcome: 'ok',
    },
  ];
}

/** A run dir like the runner leaves before signing: 12 reports, an evidence subdir, run.json, ledger.jsonl. */
export function makeRunDir(root = tempDir()): string {
  const dir = join(root, 'reports', 'O8C', '20261121T102233Z-o8c-1a2b');
  mkdirSync(join(dir, 'evidence'), { recursive: true });
  REPORT_TITLES.forEach((title, i) => {
    const words = Array.from({ length: 300 + i * 40 }, (_, k) => `word${k}`).join(' ');
    writeFileSync(
      join(dir, `${String(i + 1).padStart(2, '0')}-${title}.md`),
      `# O8C Report ${i + 1} — ${title}\n\n- result: G${i} PASS\n\n${words}\n`,
    );
  });
  writeFileSync(
    join(dir, 'evidence', 'g4-rows.json'),
    JSON.stringify([{ table: 'public.information_unit', before: 158, after: 158 }]) + '\n',
  );
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({ final_outcome: 'A — O8C_REAL_DB_ROLLBACK_PROOF_READY', run_id: '20261121T102233Z-o8c-1a2b' }, null, 2) + '\n',
  );
  writeFileSync(
    join(dir, 'ledger.jsonl'),
    ledgerEntries()
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n',
  );
  return dir;
}

export const SIGN_OPTIONS = {
  macroFile: 'macros/O8C.yaml',
  macroSha256: 'a'.repeat(64),
  target: 'examples/iu-cutter/target.yaml',
  outcomeCode: 'A',
  version: '0.1.0',
};
