// `run --resume`: an earlier signed run lends the PASS records whose spec, params, target and input digests are
// unchanged; anything else, and everything after it, runs again. Real runs of the CLI, real PostgreSQL, real files.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import postgres from 'postgres';
import { decodeBase64, pae } from '../../src/report/dsse.js';
import { generateKeyPair } from '../../src/report/keys.js';
import { gaterun, repoRoot } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { makeRepo } from '../helpers/git-repo.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

const validateVerify = new Ajv({ strict: false }).compile(
  JSON.parse(readFileSync(join(repoRoot, 'schemas', 'verify-output.schema.json'), 'utf8')) as object,
);

let db: TestDatabase;
let dir: string;
let keys: { privatePath: string; publicPath: string; keyid: string };

// G0 is about the present (always runs), G1 reads its cwd tree, G2 reads the catalog, G3 is the gate that fails
// until the flag file (outside every digested input) exists: the "proof" to fix.
const macro = (id = 'RS') => `id: ${id}
macro: resume-test
title: resume test
outcome: RS_OK
mutation: none
gates:
  - id: G0
    title: precheck
    kind: precheck
    with: { paths: { exist: ["\${target.paths.src}"] } }
  - id: G1
    title: survey
    kind: command
    with: { command: "cat a.txt b.txt", cwd: "\${target.paths.src}" }
  - id: G2
    title: grants
    kind: pg-grants
    with:
      database: main
      roles_exist: [resume_reader]
      grants: [{ role: resume_reader, on: table, object: public.thing, privilege: SELECT, expect: true }]
  - id: G3
    title: proof
    kind: command
    with: { command: "test -f \${target.paths.flag}" }
`;

beforeAll(async () => {
  db = await createTestDatabase();
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  await sql.unsafe(`create table public.thing (id int); create role resume_reader nologin; grant select on public.thing to resume_reader;`);
  await sql.end();
  dir = tempDir();
  keys = generateKeyPair(join(dir, 'keys'));
  writeFiles(dir, {
    'src/a.txt': 'a\n',
    'src/b.txt': 'b\n',
    'm.yaml': macro(),
    'other.yaml': macro('OTHER'),
    't.yaml': `name: resume-target\npaths: { src: src, flag: flag }\ndatabases:\n  main: { url_env: RESUME_DB_URL }\n`,
  });
});
afterAll(async () => {
  await db.drop();
  cleanupTemp();
});

const run = (args: string[], m = 'm.yaml') =>
  gaterun(['run', join(dir, m), '--target', join(dir, 't.yaml'), '--key', keys.privatePath, '--renderer', 'silent', '--json', ...args], {
    cwd: dir,
    env: { RESUME_DB_URL: db.url },
  });
const record = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
const byId = (rec: { gates: (Gate & { id: string })[] }): Record<string, Gate> => Object.fromEntries(rec.gates.map((g) => [g.id, g]));
interface Gate {
  status: string;
  reused?: { run_id: string; keyid: string; report: string | null };
  rerun?: string;
  report: string;
}

/** A failing first run (G3 FAIL), the flag created: the run to resume from. */
async function failedRun(): Promise<string> {
  rmSync(join(dir, 'flag'), { force: true });
  const r = await run([]);
  const out = JSON.parse(r.stdout);
  expect(out.outcome).toBe('C');
  writeFileSync(join(dir, 'flag'), 'fixed\n');
  return out.run_dir;
}

describe('resume after fixing the failing gate', () => {
  let first: string;
  let resumed: string;
  beforeAll(async () => {
    first = await failedRun();
    const r = await run(['--resume', join(dir, first)]);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    resumed = out.run_dir;
    // --json says it too: which run this resumed, which gates it reused, and how often each ran
    expect(out.resumed_from).toBe(record(join(dir, first)).run_id);
    expect(
      out.gates.map((g: { id: string; reused_from: string | null; attempts: number }) => [g.id, g.reused_from !== null, g.attempts]),
    ).toEqual([
      ['G0', false, 1],
      ['G1', true, 0],
      ['G2', true, 0],
      ['G3', false, 1],
    ]);
  });

  test('reuses exactly G1 and G2; G0 (present) and G3 (failed before) run again', () => {
    const g = byId(record(join(dir, resumed)));
    const firstId = record(join(dir, first)).run_id;
    expect(g.G0.reused).toBeUndefined();
    expect(g.G0.rerun).toBe('its truth is about the present');
    expect(g.G1.reused?.run_id).toBe(firstId);
    expect(g.G2.reused?.run_id).toBe(firstId);
    expect(g.G3.reused).toBeUndefined();
    expect(g.G3.rerun).toBe(`it ended FAIL in run ${firstId}`);
    expect(Object.values(g).map((x) => x.status)).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
    // the per-file list behind G1's tree digest is kept in the bundle (inputs/<sha256>.txt), not in run.json
    const runJson = readFileSync(join(dir, resumed, 'run.json'), 'utf8');
    expect(runJson).not.toContain('"manifest"');
    expect(readdirSync(join(dir, resumed, 'inputs'))).toHaveLength(1);
  });

  test('the roll-up says reused, with the signing keyid and a working link to the earlier report', () => {
    const rec = record(join(dir, resumed));
    const final = readFileSync(join(dir, resumed, rec.files.final), 'utf8');
    expect(final).toContain(`| G1 | survey | PASS (reused from ${record(join(dir, first)).run_id}, signed ${keys.keyid.slice(0, 16)}) |`);
    const link = /\[earlier report\]\(([^)]+)\)/.exec(final)![1];
    expect(readFileSync(join(dir, resumed, link), 'utf8')).toContain('# RS Report 02 — survey (G1)');
    expect(final).toMatch(/- resumed from: run \S+ \(signed by keyid/);
    // what changed and what was examined: this run's ledger; the reused gates' actions stay in the earlier one's
    expect(final).toContain(
      `- reused gates (G1, G2) ran in run ${record(join(dir, first)).run_id}: their actions are in that run's signed ledger`,
    );
  });

  test('the resumed bundle verifies with gaterun verify, names the earlier bundle as a signed input, and openssl agrees', async () => {
    const v = await gaterun(['verify', join(dir, resumed), '--key', keys.publicPath]);
    expect(v.exitCode).toBe(0);
    expect(v.stdout).toMatch(/resumed from \S+, which verifies too/);
    const j = await gaterun(['verify', join(dir, resumed), '--key', keys.publicPath, '--json']);
    expect(validateVerify(JSON.parse(j.stdout))).toBe(true);
    expect(JSON.parse(j.stdout).outcome.resumed_from).toEqual({
      uri: `../${record(join(dir, first)).run_id}/run.intoto.json`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const env = JSON.parse(readFileSync(join(dir, resumed, 'run.intoto.json'), 'utf8'));
    const statement = JSON.parse(decodeBase64(env.payload).toString('utf8'));
    const input = statement.predicate.inputAttestations.find((a: { name?: string }) => a.name === 'resumed-from');
    const earlierEnvelope = readFileSync(join(dir, first, 'run.intoto.json'));
    expect(input.digest.sha256).toBe(execFileSync('sha256sum', ['-b'], { input: earlierEnvelope }).toString().split(' ')[0]);
    const tmp = tempDir();
    writeFileSync(join(tmp, 'pae.bin'), pae(env.payloadType, decodeBase64(env.payload)));
    writeFileSync(join(tmp, 'sig.bin'), decodeBase64(env.signatures[0].sig));
    const ok = execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-pubin', '-inkey', keys.publicPath, '-rawin', '-in', join(tmp, 'pae.bin'), '-sigfile', join(tmp, 'sig.bin')],
      { encoding: 'utf8' },
    );
    expect(ok).toMatch(/Signature Verified Successfully/);
  });

  test('changing the earlier bundle afterwards makes the resumed one fail verification, naming the file', async () => {
    const copy = tempDir();
    execFileSync('cp', ['-a', join(dir, 'reports'), copy]);
    const rel = (p: string) => join(copy, p);
    const earlierReport = readdirSync(rel(first)).find((f) => f.startsWith('02-'))!;
    appendFileSync(join(rel(first), earlierReport), 'edited\n');
    const v = await gaterun(['verify', rel(resumed), '--key', keys.publicPath]);
    expect(v.exitCode).toBe(5);
    expect(v.stdout).toMatch(new RegExp(`resumed-from .*${earlierReport}`));
    const j = JSON.parse((await gaterun(['verify', rel(resumed), '--key', keys.publicPath, '--json'])).stdout);
    expect(validateVerify(j)).toBe(true);
    expect(j.status).toBe('invalid');
    expect(j.problems).toEqual([expect.objectContaining({ code: 'resumed-from', file: expect.stringContaining(earlierReport) })]);
  });
});

describe('what forces a gate to run again', () => {
  test('a file in a reused gate’s cwd changed: that gate and every gate after it run again', async () => {
    const first = await failedRun();
    appendFileSync(join(dir, 'src', 'b.txt'), 'more\n');
    const g = byId(record(join(dir, JSON.parse((await run(['--resume', join(dir, first)])).stdout).run_dir)));
    expect(g.G1.reused).toBeUndefined();
    expect(g.G1.rerun).toMatch(/^changed: tree local:\S+\/src \(cwd\): 1 file \(b.txt\)$/);
    expect(g.G2.reused).toBeUndefined();
    expect(g.G2.rerun).toBe('after G1');
  });

  test('a grant changed in the catalog: the catalog-reading gate runs again', async () => {
    const first = await failedRun();
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    await sql.unsafe('grant insert on public.thing to resume_reader');
    await sql.end();
    const g = byId(record(join(dir, JSON.parse((await run(['--resume', join(dir, first)])).stdout).run_dir)));
    expect(g.G1.reused).toBeDefined();
    expect(g.G2.reused).toBeUndefined();
    expect(g.G2.rerun).toMatch(/^changed: catalog of database main/);
  });

  test('plan --resume shows the same decisions and runs nothing', async () => {
    const first = await failedRun();
    const before = readdirSync(join(dir, 'reports', 'RS')).length;
    const p = await gaterun(
      ['plan', join(dir, 'm.yaml'), '--target', join(dir, 't.yaml'), '--resume', join(dir, first), '--key', keys.publicPath],
      {
        cwd: dir,
        env: { RESUME_DB_URL: db.url },
      },
    );
    expect(p.exitCode).toBe(0);
    expect(p.stdout).toMatch(/G0 +precheck +run again: its truth is about the present/);
    expect(p.stdout).toMatch(/G1 +command +reuse/);
    expect(p.stdout).toMatch(/G2 +pg-grants +reuse/);
    expect(p.stdout).toMatch(/G3 +command +run again: it ended FAIL/);
    expect(readdirSync(join(dir, 'reports', 'RS')).length).toBe(before);
  });
});

describe('resume refuses a run it cannot trust', () => {
  test('a tampered earlier bundle: exit 2, naming the changed file; nothing runs', async () => {
    const first = await failedRun();
    const report = readdirSync(join(dir, first)).find((f) => f.startsWith('03-'))!;
    appendFileSync(join(dir, first, report), 'PASS\n');
    const before = readdirSync(join(dir, 'reports', 'RS')).length;
    const r = await run(['--resume', join(dir, first)]);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('ERESUME');
    expect(JSON.parse(r.stdout).error.message).toMatch(new RegExp(`its bundle does not verify: ${report}: ${report} was changed`));
    expect(readdirSync(join(dir, 'reports', 'RS')).length).toBe(before);
  });

  test('a bundle of another macro', async () => {
    const other = JSON.parse((await run([], 'other.yaml')).stdout).run_dir;
    const r = await run(['--resume', join(dir, other)]);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/it is a run of OTHER, not RS/);
  });

  test('a bundle signed by a key that is not trusted', async () => {
    const first = await failedRun();
    const stranger = generateKeyPair(join(tempDir(), 'k'));
    const r = await gaterun(
      [
        'run',
        join(dir, 'm.yaml'),
        '--target',
        join(dir, 't.yaml'),
        '--key',
        stranger.privatePath,
        '--renderer',
        'silent',
        '--json',
        '--resume',
        join(dir, first),
      ],
      { cwd: dir, env: { RESUME_DB_URL: db.url } },
    );
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/signed by an untrusted key/);
  });

  test('plan --resume with the database down: one clear error, not a crash', async () => {
    const first = await failedRun();
    const p = await gaterun(
      ['plan', join(dir, 'm.yaml'), '--target', join(dir, 't.yaml'), '--resume', join(dir, first), '--key', keys.publicPath],
      {
        cwd: dir,
        env: { RESUME_DB_URL: 'postgres://nobody:x@127.0.0.1:1/none' },
      },
    );
    expect(p.exitCode).toBe(2);
    expect(p.stderr).toMatch(/ERESUME: cannot resume from .*: cannot take the run lock on database "main": cannot connect/);
  });

  test('--resume last picks the newest run of the macro', async () => {
    await failedRun();
    const r = await run(['--resume', 'last']);
    expect(r.exitCode).toBe(0);
    const g = byId(record(join(dir, JSON.parse(r.stdout).run_dir)));
    expect(g.G1.reused).toBeDefined();
  });
});

describe('a run that changed something before it failed', () => {
  // G0 checks the repo is on its baseline, G1 commits, G2 is the gate to fix: re-checking G0 now would see G1's commit.
  const commitMacro = (repo: string, flag: string) => `id: RC
macro: resume-commit
title: resume after a commit
outcome: RC_OK
mutation: source
gates:
  - id: G0
    title: precheck
    kind: precheck
    with: { paths: { exist: ["${repo}"] } }
  - id: G1
    title: commit
    kind: git-commit
    with: { repo: "${repo}", message: "the change", author: { name: T, email: t@example.test } }
  - id: G2
    title: proof
    kind: command
    with: { command: "test -f ${flag}" }
`;
  /** A repo with an uncommitted change, the macro run once: committed at G1, failed at G2 (no flag yet). */
  async function commitThenFail() {
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    const w = tempDir();
    writeFiles(w, { 'm.yaml': commitMacro(repo.dir, join(w, 'flag')) });
    repo.write({ 'a.txt': 'changed\n' });
    const go = (extra: string[]) =>
      gaterun(['run', join(w, 'm.yaml'), '--key', keys.privatePath, '--renderer', 'silent', '--json', ...extra], { cwd: w });
    const first = JSON.parse((await go([])).stdout) as { outcome: string; run_dir: string };
    return { repo, w, go, first };
  }

  test('the precheck is carried over (it held before the commit), the commit is reused while it is HEAD, the rest runs', async () => {
    const { repo, w, go, first } = await commitThenFail();
    expect(first.outcome).toBe('C');
    writeFileSync(join(w, 'flag'), '');
    const r = await go(['--resume', join(w, first.run_dir)]);
    expect(r.exitCode).toBe(0);
    const rec = record(join(w, JSON.parse(r.stdout).run_dir));
    const g = Object.fromEntries(rec.gates.map((x: Gate & { id: string; reused?: { why: string } }) => [x.id, x])) as Record<
      string,
      Gate & { reused?: { why: string } }
    >;
    expect(g.G0.reused?.why).toBe(
      `it held before G1 made its change in run ${record(join(w, first.run_dir)).run_id}, and cannot be re-checked after that change`,
    );
    expect(g.G1.reused?.why).toBe('the state it left is still in place');
    expect(g.G2.reused).toBeUndefined();
    expect(await repo.git('rev-list', '--count', 'HEAD')).toBe('2'); // one commit, not two
  });

  test('a new change in the repo after the failed run: the commit gate runs again and commits it', async () => {
    const { repo, w, go, first } = await commitThenFail();
    repo.write({ 'b.txt': 'new\n' });
    writeFileSync(join(w, 'flag'), '');
    const rec = record(join(w, JSON.parse((await go(['--resume', join(w, first.run_dir)])).stdout).run_dir));
    const g1 = rec.gates.find((x: { id: string }) => x.id === 'G1');
    expect(g1.reused).toBeUndefined();
    expect(g1.rerun).toMatch(/^the state it left changed: repo local:\S+ \(HEAD \w+ and its status\)$/);
    expect(g1.status).toBe('PASS');
    expect(await repo.git('rev-list', '--count', 'HEAD')).toBe('3');
  });
});
