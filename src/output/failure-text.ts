// What the terminal shows when a run does not end A: per failing gate, its failing checks, the end of its output,
// the failing tests it named, and where its report is. One block per failure, no repeat of the reason line.
import { join } from 'node:path';
import { textOf } from '../text.js';
import type { RunRecord } from '../runner/types.js';

const TAIL_LINES = 8;

const lastLines = (text: string | undefined, n: number) =>
  (text ?? '')
    .split('\n')
    .filter((l) => l.trim())
    .slice(-n);

/** The failure blocks of a finished run (empty for A). `runDir` is how the user should see the run's folder. */
export function failureText(record: RunRecord, runDir: string): string {
  const blocks: string[] = [];
  for (const g of record.gates) {
    if (g.status !== 'FAIL' && g.status !== 'BLOCKED' && g.status !== 'ABORTED') continue;
    const lines = [`✖ ${g.id} ${g.label} — ${g.status}: ${g.summary.split('\n')[0]}`];
    for (const c of g.checks.filter((c) => c.status === 'FAIL').slice(0, 10))
      lines.push(`  ${c.id ? `${c.id} ` : ''}FAIL ${c.text.split('\n')[0]}`);
    const failed = Array.isArray(g.facts.failed_tests) ? g.facts.failed_tests : [];
    for (const t of failed.slice(0, 20)) {
      const o = (t && typeof t === 'object' && !Array.isArray(t) ? t : { name: textOf(t) }) as { name?: unknown; message?: unknown };
      lines.push(`  failing test: ${textOf(o.name)}${o.message ? ` — ${textOf(o.message).split('\n')[0]}` : ''}`);
    }
    const execs = g.evidence.filter((e) => e.kind === 'exec' && (e.exitCode !== 0 || g.evidence.length === 1));
    const e = execs[execs.length - 1];
    if (e) {
      const err = lastLines(e.stderrTail, TAIL_LINES);
      const out = err.length ? [] : lastLines(e.stdoutTail, TAIL_LINES);
      if (err.length || out.length) {
        lines.push(`  ${err.length ? 'stderr' : 'stdout'} of \`${(e.command ?? '').slice(0, 100)}\` (last lines):`);
        for (const l of err.length ? err : out) lines.push(`    ${l}`);
      }
    }
    if (g.report) lines.push(`  report: ${join(runDir, g.report)}`);
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n');
}
