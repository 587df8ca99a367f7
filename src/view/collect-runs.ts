// Finds the run bundles under a reports dir, reads run.json and ledger.jsonl, and verifies each bundle.
import type { KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { sha256Hex } from '../files/sha256.js';
import { verifyBundle, type VerifyResult } from '../report/verify-bundle.js';
import { safeSegment } from './html.js';

/** The parts of run.json the view reads (schemas/run.schema.json); everything is optional because run.json may be damaged. */
export interface RunGate {
  id: string;
  title: string;
  kind: string;
  host?: string;
  status: string;
  summary: string;
  facts: Record<string, unknown>;
  report: string;
  startedAt: string | null;
  durationMs: number;
  reason?: string;
}

export interface RunRecord {
  run_id: string;
  macro: { id: string; name?: string; title?: string; summary?: string | null };
  target?: { name?: string };
  host?: string;
  started_at?: string;
  finished_at?: string;
  date_utc?: string;
  outcome: { code: string; text: string; stopped_at: string | null; reason: string | null };
  gates: RunGate[];
  criteria: { name: string; met: boolean; evidence: string }[];
  final_outcome: Record<string, unknown>;
  files: { reports: string[]; final: string; ledger: string };
}

export interface LedgerEntry {
  seq: number;
  time?: string;
  gate?: string | null;
  action?: string;
  target?: string;
  host?: string;
  mutating?: boolean;
  outcome?: string;
  detail?: Record<string, unknown>;
}

/** What the verify badge says, computed by verifyBundle (the code behind `gaterun verify`). */
export interface VerifyBadge {
  kind: 'verified' | 'tampered' | 'unsigned' | 'untrusted' | 'invalid';
  text: string;
}

/** One run bundle as the site shows it. */
export interface RunEntry {
  dir: string;
  /** Safe path segments of the run under the site's runs/ folder. */
  slug: string[];
  macroId: string;
  runId: string;
  startedAt: string;
  record: RunRecord | null;
  /** Why run.json could not be read, when it could not. */
  error?: string;
  outcomeCode: string;
  outcomeText: string;
  gatesPass: number;
  gatesTotal: number;
  /** Gates that run after signing (PENDING in the bundle). */
  gatesAfter: number;
  criteriaYes: number;
  criteriaTotal: number;
  verify: VerifyResult;
  badge: VerifyBadge;
  /** For a bundle that verifies: sha256 of its envelope (which pins every file) and its path under the reports dir. */
  signedKey?: string;
  ledger: LedgerEntry[];
  /** Files under logs/ (relative to the run dir). */
  logs: string[];
  /** The bundle this run's predecessor gate verified (from its facts). */
  predecessor?: { runId: string; macro: string; verified: boolean; gate: string; entry?: RunEntry };
  /** The previous run of the same macro (by start time). */
  previous?: RunEntry;
}

/** The badge text for a verify result: "verified · keyid …", "TAMPERED: 01-x.md changed", "unsigned", … */
export function verifyBadge(v: VerifyResult): VerifyBadge {
  if (v.ok) return { kind: 'verified', text: `verified · keyid ${v.keyid!.slice(0, 16)}` };
  const first = v.problems[0];
  if (!first) return { kind: 'invalid', text: 'not verified' };
  if (first.code === 'unsigned') return { kind: 'unsigned', text: 'unsigned' };
  const files = v.problems.filter((p) => p.code === 'changed' || p.code === 'missing' || p.code === 'extra');
  if (files.length) {
    const word = { changed: 'changed', missing: 'missing', extra: 'added' } as Record<string, string>;
    const shown = files.slice(0, 3).map((p) => `${p.file} ${word[p.code]}`);
    return { kind: 'tampered', text: `TAMPERED: ${shown.join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}` };
  }
  if (first.code === 'bad-signature') return { kind: 'tampered', text: 'TAMPERED: signature does not verify' };
  if (first.code === 'unknown-key') return { kind: 'untrusted', text: 'signed by an untrusted key' };
  return { kind: 'invalid', text: `invalid signature envelope (${first.code})` };
}

/** Run directories (those holding run.json or run.intoto.json) at most three levels below root, or root itself. */
export function findRunDirs(root: string): string[] {
  const found: string[] = [];
  const isRun = (d: string) => existsSync(join(d, 'run.json')) || existsSync(join(d, 'run.intoto.json'));
  const walk = (d: string, depth: number): void => {
    if (isRun(d)) return void found.push(d);
    if (depth === 0) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) walk(join(d, e.name), depth - 1);
  };
  walk(resolve(root), 3);
  return found.sort();
}

function readJsonl(file: string): LedgerEntry[] {
  if (!existsSync(file)) return [];
  const out: LedgerEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === 'object') out.push(v as LedgerEntry);
    } catch {
      out.push({ seq: out.length + 1, action: '(unreadable line)', target: line.slice(0, 200) });
    }
  }
  return out;
}

/** Every regular file under dir (relative paths with /, sorted). */
export function findFiles(dir: string, rel = '', out: string[] = []): string[] {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const name = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) findFiles(dir, name, out);
    else if (e.isFile()) out.push(name);
  }
  return rel ? out : out.sort();
}

function listLogs(dir: string): string[] {
  const logs = join(dir, 'logs');
  if (!existsSync(logs) || !statSync(logs).isDirectory()) return [];
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(logs, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(name);
      else if (e.isFile()) out.push(name);
    }
  };
  walk('');
  return out.sort();
}

/** What the index shows of a run, derived from run.json; cached by build-site for bundles whose signature pins it. */
export interface RunSummary {
  macroId: string;
  runId: string;
  startedAt: string;
  error?: string;
  outcomeCode: string;
  outcomeText: string;
  gatesPass: number;
  gatesTotal: number;
  gatesAfter: number;
  criteriaYes: number;
  criteriaTotal: number;
  predecessor?: { runId: string; macro: string; verified: boolean; gate: string };
}

function readRecord(dir: string): { record: RunRecord | null; error?: string } {
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    if (!raw || typeof raw !== 'object' || !Array.isArray(raw.gates) || !raw.outcome)
      return { record: null, error: 'run.json is not a gaterun run record' };
    return { record: raw as RunRecord };
  } catch (e) {
    return {
      record: null,
      error: existsSync(join(dir, 'run.json')) ? `run.json is not valid JSON (${(e as Error).message})` : 'run.json is missing',
    };
  }
}

function summarize(parts: string[], record: RunRecord | null, error: string | undefined): RunSummary {
  const gates = record?.gates ?? [];
  const pending = gates.filter((g) => g.status === 'PENDING').length;
  const pred = gates.find((g) => g.kind === 'predecessor' && g.facts && typeof g.facts.run_id === 'string');
  return {
    macroId: record?.macro?.id ? String(record.macro.id) : parts.length > 1 ? parts[parts.length - 2] : '?',
    runId: record?.run_id ? String(record.run_id) : (parts[parts.length - 1] ?? 'run'),
    startedAt: String(record?.started_at ?? ''),
    error,
    outcomeCode: String(record?.outcome?.code ?? '?'),
    outcomeText: String(record?.outcome?.text ?? error ?? ''),
    gatesPass: gates.filter((g) => g.status === 'PASS').length,
    gatesTotal: gates.length - pending,
    gatesAfter: pending,
    criteriaYes: (record?.criteria ?? []).filter((c) => c.met).length,
    criteriaTotal: (record?.criteria ?? []).length,
    predecessor: pred
      ? {
          runId: String(pred.facts.run_id),
          macro: typeof pred.facts.macro === 'string' ? pred.facts.macro : '',
          verified: pred.facts.verified === true,
          gate: pred.id,
        }
      : undefined,
  };
}

/**
 * A cache of summaries: `key` is the sha256 of a verified bundle's envelope (its subjects pin run.json), so a cached
 * summary is only ever used for exactly the signed bytes it was read from.
 */
export interface SummaryCache {
  get(key: string): RunSummary | undefined;
  set(key: string, summary: RunSummary): void;
}

function readEntry(root: string, dir: string, trustedKeys: KeyObject[], cache?: SummaryCache): RunEntry {
  const rel = relative(root, dir);
  const parts = rel ? rel.split(sep) : [dir.split(sep).pop() ?? 'run'];
  const verify = verifyBundle(dir, { trustedKeys });
  const badge = verifyBadge(verify);
  let signedKey: string | undefined;
  if (badge.kind === 'verified') signedKey = `${sha256Hex(readFileSync(join(dir, 'run.intoto.json')))}:${parts.join('/')}`;
  let loaded: { record: RunRecord | null; error?: string } | undefined;
  const load = () => (loaded ??= readRecord(dir));
  let summary = signedKey ? cache?.get(signedKey) : undefined;
  if (!summary) {
    summary = summarize(parts, load().record, load().error);
    if (signedKey) cache?.set(signedKey, summary);
  }
  let ledger: LedgerEntry[] | undefined;
  const entry = {
    ...summary,
    dir,
    slug: (parts.length > 1 ? parts.slice(-2) : [summary.macroId, parts[0]]).map(safeSegment),
    verify,
    badge,
    signedKey,
    logs: listLogs(dir),
    predecessor: summary.predecessor ? { ...summary.predecessor } : undefined,
  } as RunEntry;
  // run.json and the ledger are read only when a page needs them (an unchanged run's pages are not rendered again).
  Object.defineProperty(entry, 'record', { get: () => load().record, enumerable: false });
  Object.defineProperty(entry, 'ledger', { get: () => (ledger ??= readJsonl(join(dir, 'ledger.jsonl'))), enumerable: false });
  return entry;
}

/** Every run under root, newest first, verified against the trusted keys, linked to predecessor and previous runs. */
export function collectRuns(root: string, trustedKeys: KeyObject[], cache?: SummaryCache): RunEntry[] {
  const base = resolve(root);
  const runs = findRunDirs(base).map((d) => readEntry(base, d, trustedKeys, cache));
  // Two bundles could map to one slug after sanitising; keep each page distinct.
  const seen = new Set<string>();
  for (const r of runs) {
    let key = r.slug.join('/');
    for (let i = 2; seen.has(key); i++) key = [r.slug[0], `${r.slug[1]}-${i}`].join('/');
    r.slug = key.split('/');
    seen.add(key);
  }
  runs.sort((a, b) => (b.startedAt === a.startedAt ? b.runId.localeCompare(a.runId) : b.startedAt.localeCompare(a.startedAt)));
  // A run id seen twice (a copied bundle): link to the copy that verifies.
  const byId = new Map<string, RunEntry>();
  for (const r of runs)
    if (!byId.has(r.runId) || (r.badge.kind === 'verified' && byId.get(r.runId)!.badge.kind !== 'verified')) byId.set(r.runId, r);
  const byMacro = new Map<string, RunEntry[]>();
  for (const r of runs) byMacro.set(r.macroId, [...(byMacro.get(r.macroId) ?? []), r]);
  for (const list of byMacro.values()) list.forEach((r, i) => (r.previous = list[i + 1]));
  for (const r of runs) if (r.predecessor) r.predecessor.entry = byId.get(r.predecessor.runId);
  return runs;
}
