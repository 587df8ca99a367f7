// `npm run bench`: every benchmark side by side with its baseline, then bench/RESULTS.md rewritten from the results.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchArtifact } from './artifact.js';
import { benchColdStart } from './cold-start.js';
import { benchDemo } from './demo.js';
import { benchFingerprint } from './fingerprint.js';
import { benchGateOverhead } from './gate-overhead.js';
import { benchLiveOutput } from './live-output.js';
import { repoRoot, type BenchRow } from './lib.js';
import { benchMacroValidate } from './macro-validate.js';
import { benchManifestHash } from './manifest-hash.js';
import { benchPgColdStart, benchRollbackProof } from './pg.js';
import { benchResume } from './resume.js';
import { benchSandbox } from './sandbox.js';
import { benchScaling, benchStartup } from './startup.js';
import { benchVerify } from './verify-bundle.js';
import { benchWebView } from './web-view.js';

const benches: [string, () => Promise<BenchRow[]>][] = [
  ['cold start', () => benchColdStart()],
  ['start-up of run', () => benchStartup()],
  ['per-gate overhead, RSS, render+sign+verify', () => benchGateOverhead()],
  ['per-gate overhead with the sandbox', () => benchGateOverhead(5, 'on')],
  ['scaling: plan of 1,000 gates, RSS', () => benchScaling()],
  ['manifest hashing', () => benchManifestHash()],
  ['artifact', () => benchArtifact()],
  ['macro validation', () => benchMacroValidate()],
  ['PostgreSQL cold start', () => benchPgColdStart()],
  ['rollback-only proofs', () => benchRollbackProof()],
  // The 5M-row part runs only with GATERUN_BENCH_SLOW=1.
  ['database fingerprint', () => benchFingerprint()],
  ['verify', () => benchVerify()],
  ['sandboxed exec', () => benchSandbox()],
  ['live output', () => benchLiveOutput()],
  ['demo end to end', () => benchDemo(3, '/tmp/gaterun-bench-demo', false)],
  ['resume vs rerun', () => benchResume(3)],
  ['web view', () => benchWebView()],
];

const cell = (s: string) => s.replace(/\|/g, '\\|');
const verdict = (r: BenchRow) => (r.met === null ? 'reported' : r.met ? 'met' : '**missed**');

const rows: BenchRow[] = [];
const started = new Date();
for (const [label, fn] of benches) {
  const t0 = performance.now();
  try {
    rows.push(...(await fn()));
  } catch (e) {
    rows.push({
      name: label,
      baseline: '—',
      ours: 'failed',
      oursMs: null,
      baselineMs: null,
      result: 'n/a',
      goal: '—',
      met: false,
      command: '—',
      note: `the benchmark failed: ${(e as Error).message.split('\n')[0]}`,
    });
  }
  console.log(`— ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const load = existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a';
const notes = join(repoRoot, 'bench', 'NOTES.md');
const md = `# Benchmark results

Written by \`npm run bench\` (bench/run-all.ts) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC.
Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}; load average at the end ${load}.
Each benchmark runs gaterun and its baseline alternately in one session (at least 5 runs after a warm-up)
and reports medians. Re-run one with the command in its row (after \`npm run build\`).

| benchmark | baseline | gaterun | baseline median | result | goal | verdict |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${cell(r.name)} | ${cell(r.baseline)} | ${cell(r.ours)} | ${r.baselineMs === null ? '—' : `${r.baselineMs.toFixed(1)} ms`} | ${cell(r.result)} | ${cell(r.goal)} | ${verdict(r)} |`).join('\n')}

## Commands and notes
${rows.map((r) => `- **${r.name}** — \`${r.command}\`${r.note ? `. ${r.note}.` : ''}`).join('\n')}

Profiles, before/after figures and explanations of missed goals: [NOTES.md](NOTES.md)${existsSync(notes) ? '' : ' (not written yet)'}.
`;
writeFileSync(join(repoRoot, 'bench', 'RESULTS.md'), md);
console.log(md);
