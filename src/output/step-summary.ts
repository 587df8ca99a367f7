// The GitHub Actions job summary: the run's outcome and gate roll-up as Markdown, appended to $GITHUB_STEP_SUMMARY.
import { appendFileSync } from 'node:fs';
import type { GateRecord, RunRecord } from '../runner/types.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const ms = (n: number) => (n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);

/** The Markdown block for one run: outcome line, reason, gate roll-up, PASS criteria and where the reports are. */
export function stepSummary(record: RunRecord, runDir: string, finalize: GateRecord[] = []): string {
  const after = new Map(finalize.map((g) => [g.id, g]));
  const lines = [`### gaterun ${record.macro.id}: ${record.outcome.text}`, ''];
  if (record.outcome.reason)
    lines.push(`> ${record.outcome.stopped_at ? `${record.outcome.stopped_at}: ` : ''}${cell(record.outcome.reason)}`, '');
  lines.push('| Gate | Title | Status | Time | Summary |', '|---|---|---|---|---|');
  for (const g0 of record.gates) {
    const g = after.get(g0.id) ?? g0;
    const summary = g.status === 'NOT_RUN' ? (g.reason ?? g.summary) : g.summary;
    lines.push(`| ${g.id} | ${cell(g.label || g.title)} | ${g.status.replace('_', ' ')} | ${ms(g.durationMs)} | ${cell(summary)} |`);
  }
  if (record.criteria.length) {
    lines.push('', `PASS criteria: ${record.criteria.filter((c) => c.met).length}/${record.criteria.length} YES`);
    for (const c of record.criteria.filter((x) => !x.met)) lines.push(`- ${cell(c.name)}: NO — ${cell(c.evidence)}`);
  }
  const signed = record.final_outcome.signature !== 'UNSIGNED';
  lines.push(
    '',
    `Run \`${record.run_id}\` · reports in \`${runDir}\` (final: \`${record.files.final}\`) · ${signed ? `signed \`${record.final_outcome.signature}\`` : 'unsigned'}`,
    '',
  );
  return lines.join('\n');
}

/** Appends the run's summary to $GITHUB_STEP_SUMMARY when it is set; returns the file written, or null. */
export function appendStepSummary(record: RunRecord, runDir: string, finalize: GateRecord[] = [], env = process.env): string | null {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return null;
  appendFileSync(file, stepSummary(record, runDir, finalize) + '\n');
  return file;
}
