// `gaterun outcome --json` v1: a finished run's outcome letter, cause and final-outcome block, read from its run.json
// (schemas/outcome-output.schema.json). Not a verification: `gaterun verify` checks the signature.
import { join } from 'node:path';

/** The parts of run.json the outcome document needs, checked before use. */
export interface OutcomeSource {
  run_id: string;
  macro: { id: string; name: string; title: string };
  outcome: { code: 'A' | 'B' | 'C' | 'D'; text: string; stopped_at: string | null; reason: string | null };
  final_outcome: Record<string, unknown>;
  final_report: string | null;
}

/** Reads the parts of a parsed run.json that `outcome` prints; a string saying what is missing when it is not one. */
export function outcomeSource(record: unknown): OutcomeSource | string {
  const r = (record ?? {}) as Record<string, unknown>;
  if (typeof r !== 'object' || Array.isArray(r)) return 'run.json is not a JSON object';
  const fo = r.final_outcome;
  if (!fo || typeof fo !== 'object' || Array.isArray(fo)) return 'run.json has no final_outcome';
  const o = (r.outcome ?? {}) as Record<string, unknown>;
  if (!['A', 'B', 'C', 'D'].includes(o.code as string)) return 'run.json has no outcome.code (A, B, C or D)';
  if (typeof r.run_id !== 'string') return 'run.json has no run_id';
  const m = (r.macro ?? {}) as Record<string, unknown>;
  if (typeof m.id !== 'string') return 'run.json has no macro.id';
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const files = (r.files ?? {}) as Record<string, unknown>;
  return {
    run_id: r.run_id,
    macro: { id: m.id, name: str(m.name) ?? m.id, title: str(m.title) ?? m.id },
    outcome: {
      code: o.code as OutcomeSource['outcome']['code'],
      text: str(o.text) ?? String(o.code),
      stopped_at: str(o.stopped_at),
      reason: str(o.reason),
    },
    final_outcome: fo as Record<string, unknown>,
    final_report: str(files.final),
  };
}

/** Builds the `--json` v1 document of `gaterun outcome`. */
export function outcomeJson(runDir: string, src: OutcomeSource) {
  return {
    format_version: 1 as const,
    run_dir: runDir,
    run_id: src.run_id,
    macro: src.macro,
    outcome: src.outcome.code,
    outcome_text: src.outcome.text,
    stopped_at: src.outcome.stopped_at,
    reason: src.outcome.reason,
    final_report: src.final_report ? join(runDir, src.final_report) : null,
    final_outcome: src.final_outcome,
    // Read from run.json, which anyone can edit: only `gaterun verify` checks it against the signature.
    verified: false as const,
  };
}
