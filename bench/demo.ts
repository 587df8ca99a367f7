// Wall time of `gaterun demo` and where it goes: set-up, the gates' commands and queries (from the ledger), gaterun itself.
// Usage: node dist/bench/demo.js [runs=3] [workspace=/tmp/gaterun-bench-demo]. Goal: gaterun's own share < 10 %.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDemo } from '../src/demo/run-demo.js';
import { isMain, type BenchRow } from './lib.js';

interface Entry {
  action: string;
  target: string;
  detail?: { durationMs?: number };
}

/** Buckets of ledger time: the target's own programs, gaterun's helper programs, database work. */
function split(runDir: string): { target: number; helpers: number; db: number } {
  const out = { target: 0, helpers: 0, db: 0 };
  for (const line of readFileSync(join(runDir, 'ledger.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as Entry;
    const ms = e.detail?.durationMs ?? 0;
    if (e.action.startsWith('db.')) out.db += ms;
    // python3 (tests, proofs, probes, smoke) is the system under change; git/sha256sum/find/tar/cp are how gates look at it.
    else if (/(^|[ '"])python3 /.test(e.target)) out.target += ms;
    else out.helpers += ms;
  }
  return out;
}

/** Runs the whole demo `runs` times in process and splits its wall time; one row for RESULTS.md. */
export async function benchDemo(runs = 3, ws = '/tmp/gaterun-bench-demo', print = true): Promise<BenchRow[]> {
  const rows: { wall: number; setup: number; target: number; helpers: number; db: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runDemo({ workspace: ws, renderer: 'silent', print: () => undefined });
    if (!r.ok) throw new Error(`demo run ${i + 1} was not OK (stopped at ${r.stoppedAt})`);
    const s = { target: 0, helpers: 0, db: 0 };
    for (const m of r.macros) {
      const x = split(m.dir);
      s.target += x.target;
      s.helpers += x.helpers;
      s.db += x.db;
    }
    rows.push({ wall: r.wallMs, setup: r.setupMs, ...s });
    console.error(`run ${i + 1}: ${(r.wallMs / 1000).toFixed(2)} s (${readdirSync(join(ws, 'reports')).length} macros)`);
  }
  const mean = (k: keyof (typeof rows)[number]) => rows.reduce((a, r) => a + r[k], 0) / rows.length;
  const wall = mean('wall');
  const pct = (x: number) => `${((100 * x) / wall).toFixed(0)} %`;
  const fmt = (x: number) => `${(x / 1000).toFixed(2)} s`;
  const setup = mean('setup'),
    target = mean('target'),
    helpers = mean('helpers'),
    db = mean('db');
  const runner = wall - setup - target - helpers - db;
  if (print) {
    console.log(`| part | mean of ${runs} runs | share |\n|:---|---:|---:|`);
    console.log(`| whole demo (wall) | ${fmt(wall)} | 100 % |`);
    console.log(`| set-up: workspace (git, key), embedded PostgreSQL initdb+start, sample schema | ${fmt(setup)} | ${pct(setup)} |`);
    console.log(`| target's programs (python3: unittest, proofs, probes, smoke) | ${fmt(target)} | ${pct(target)} |`);
    console.log(`| gates' helper programs (git, sha256sum, find, tar, cp, sh) | ${fmt(helpers)} | ${pct(helpers)} |`);
    console.log(`| database work (snapshots, grants, schema, rollback-only proofs, run lock) | ${fmt(db)} | ${pct(db)} |`);
    console.log(
      `| gaterun in-process (load+validate, listr, render, run.json, secret scan, sign, verify, KB publish, server stop) | ${fmt(runner)} | ${pct(runner)} |`,
    );
  }
  const share = runner / wall;
  return [
    {
      name: 'demo end to end (O8B → O8F, fresh workspace and embedded PostgreSQL)',
      baseline: '—',
      ours: `${fmt(wall)} wall`,
      oursMs: wall,
      baselineMs: null,
      result: `gaterun itself ${(100 * share).toFixed(1)} % (${fmt(runner)})`,
      goal: 'runner share < 10 %',
      met: share < 0.1,
      command: 'node dist/bench/demo.js 3',
      note: `mean of ${runs} runs: set-up ${pct(setup)}, iu-cutter's python3 ${pct(target)}, gates' helper programs ${pct(helpers)}, database ${pct(db)}; split from the ledger's per-action durations`,
    },
  ];
}

if (isMain(import.meta.url)) await benchDemo(Number(process.argv[2] ?? 3), process.argv[3] ?? '/tmp/gaterun-bench-demo');
