// Cold start of the embedded PostgreSQL (initdb + start to "ready"), and stop, over N runs.
// Usage: node dist/bench/pg-cold-start.js [runs=5]
import { startEmbeddedPostgres } from '../src/pg/embedded-server.js';

const runs = Number(process.argv[2] ?? 5);
const rows: { initdbMs: number; startMs: number; coldMs: number; stopMs: number }[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const server = await startEmbeddedPostgres();
  const coldMs = Math.round(performance.now() - t0);
  const t1 = performance.now();
  await server.stop();
  rows.push({ ...server.timings, coldMs, stopMs: Math.round(performance.now() - t1) });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.table(rows);
console.log(JSON.stringify({
  runs,
  median: { initdbMs: median(rows.map((r) => r.initdbMs)), startMs: median(rows.map((r) => r.startMs)), coldMs: median(rows.map((r) => r.coldMs)), stopMs: median(rows.map((r) => r.stopMs)) },
  max: { coldMs: Math.max(...rows.map((r) => r.coldMs)) },
  goalMs: 2000,
}));
