// Benchmark: verifyBundle on a 12-report run dir, beside `sha256sum -c` of the same files (see bench/RESULTS.md).
//   node dist/bench/verify-bundle.js prepare DIR [KB_PER_REPORT]   creates DIR/run (signed), DIR/key.pub.pem, DIR/SHA256SUMS
//   node dist/bench/verify-bundle.js verify DIR                    one verification, exit 0 when ok (for hyperfine)
//   node dist/bench/verify-bundle.js loop DIR [N]                  in-process mean of N verifications (no node start-up)
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../src/context/ledger.js';
import { loadPublicKeys } from '../src/report/keys.js';
import { listRunFiles, signBundle } from '../src/report/sign-bundle.js';
import { verifyBundle } from '../src/report/verify-bundle.js';

const [mode, dir, arg] = process.argv.slice(2);
if (!mode || !dir) {
  console.error('usage: verify-bundle.js prepare|verify|loop DIR [N]');
  process.exit(2);
}
const run = join(dir, 'run');

if (mode === 'prepare') {
  const kb = Number(arg ?? 8);
  mkdirSync(join(run, 'evidence'), { recursive: true });
  const line = 'PROOF-5 PASS fn_iu_create driven through the shim -> status=created; information_unit 158 -> 159 in-txn, then ROLLBACK\n';
  for (let i = 1; i <= 12; i++) writeFileSync(join(run, `${String(i).padStart(2, '0')}-report-${i}.md`), `# Report ${i}\n\n` + line.repeat(Math.ceil((kb * 1024) / line.length)));
  writeFileSync(join(run, 'run.json'), JSON.stringify({ final_outcome: 'A — BENCH' }) + '\n');
  writeFileSync(join(run, 'ledger.jsonl'), Array.from({ length: 200 }, (_, i) => JSON.stringify({ seq: i + 1, action: 'exec', target: `cmd ${i}`, mutating: false, outcome: 'ok' })).join('\n') + '\n');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  signBundle(run, { privateKey, macroFile: 'macros/BENCH.yaml', macroSha256: '0'.repeat(64), target: 'bench', outcomeCode: 'A', version: '0.1.0' });
  writeFileSync(join(dir, 'key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }) as string);
  // The baseline checks the same files: every signed subject (the envelope itself is not in either list).
  writeFileSync(join(dir, 'SHA256SUMS'), listRunFiles(run).map((f) => `${sha256Hex(readFileSync(join(run, f)))}  ${f}`).join('\n') + '\n');
  console.log(`prepared ${run}: ${listRunFiles(run).length} files, ${kb} KiB per report`);
} else {
  const trustedKeys = loadPublicKeys([join(dir, 'key.pub.pem')]).map((k) => k.key);
  if (mode === 'verify') {
    process.exit(verifyBundle(run, { trustedKeys }).ok ? 0 : 1);
  } else if (mode === 'loop') {
    const n = Number(arg ?? 200);
    for (let i = 0; i < 10; i++) verifyBundle(run, { trustedKeys }); // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (!verifyBundle(run, { trustedKeys }).ok) throw new Error('bundle does not verify');
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
    console.log(`verifyBundle in-process: ${ms.toFixed(3)} ms mean over ${n} runs`);
  } else {
    console.error(`unknown mode ${mode}`);
    process.exit(2);
  }
}
