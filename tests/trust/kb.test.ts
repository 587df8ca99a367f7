import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { sha256Hex } from '../../src/files/sha256.js';
import { GaterunError } from '../../src/errors.js';
import { asKbId, kbBodyOf, kbIdOf, readingMinutes } from '../../src/kb/kb-document.js';
import { listKb, publishToKbDir, showKb } from '../../src/kb/kb-dir.js';
import { listKbPostgres, publishToKbPostgres, showKbPostgres } from '../../src/kb/kb-postgres.js';
import { keyIdOf } from '../../src/report/keys.js';
import { signBundle } from '../../src/report/sign-bundle.js';
import { cleanupTempDirs, keyPair, makeRunDir, SIGN_OPTIONS, tempDir } from './fixtures.js';
import { startTestPostgres, type TestPostgres } from './pg-server.js';

afterAll(cleanupTempDirs);

const { privateKey, publicKey } = keyPair();
const KEYID = keyIdOf(publicKey);
const KB_PATH = 'knowledge/dev/laws/dieu44/v0.6-o8c-real-db-rollback-proof-readiness';
const FINAL = '12-final-o8c-report.md';
const opts = (now: string) => ({
  tags: ['dieu44', 'iu-cutter', 'v0.6'],
  title: 'O8C real-DB rollback-only proof readiness',
  signature: KEYID,
  now: new Date(now),
});

function signedRun(): string {
  const dir = makeRunDir();
  signBundle(dir, { ...SIGN_OPTIONS, privateKey });
  return dir;
}

describe('kb document basics', () => {
  test('KB id is the first 4 hex of sha256 of the document path, upper case', () => {
    const path = `${KB_PATH}/${FINAL}`;
    expect(kbIdOf(path)).toBe(`KB-${sha256Hex(path).slice(0, 4).toUpperCase()}`);
    expect(asKbId('kb-5039')).toBe('KB-5039');
    expect(asKbId('5039')).toBe('KB-5039');
    expect(asKbId('knowledge/x')).toBeNull();
  });
  test('reading time at 200 words a minute, at least 1', () => {
    expect(readingMinutes('')).toBe(1);
    expect(readingMinutes('w '.repeat(200))).toBe(1);
    expect(readingMinutes('w '.repeat(201))).toBe(2);
    expect(readingMinutes('w\n'.repeat(1400))).toBe(7);
  });
});

describe('directory KB store', () => {
  test('publish twice: Revision 2 is the latest, Revision 1 is kept byte for byte', () => {
    const kb = tempDir();
    const run1 = signedRun();
    const first = publishToKbDir(kb, KB_PATH, run1, opts('2026-11-21T10:30:00Z'));
    expect(first).toHaveLength(12);
    expect(first.every((p) => p.revision === 1)).toBe(true);
    const finalPath = `${KB_PATH}/${FINAL}`;
    expect(first.find((p) => p.path === finalPath)).toEqual({ kbId: kbIdOf(finalPath), path: finalPath, revision: 1 });
    const r1 = readFileSync(join(kb, KB_PATH, FINAL), 'utf8');

    const run2 = signedRun();
    writeFileSync(join(run2, FINAL), 'FINAL RESULT: C — changed\n');
    signBundle(run2, { ...SIGN_OPTIONS, outcomeCode: 'C', privateKey });
    const second = publishToKbDir(kb, KB_PATH, run2, opts('2026-11-21T11:00:00Z'));
    expect(second.find((p) => p.path === finalPath)?.revision).toBe(2);

    const latest = readFileSync(join(kb, KB_PATH, FINAL), 'utf8');
    expect(latest.split('\n').slice(0, 4)).toEqual([
      kbIdOf(finalPath),
      'O8C real-DB rollback-only proof readiness — 12-final-o8c-report',
      '1 min read Revision 2',
      'tags: dieu44, iu-cutter, v0.6',
    ]);
    expect(latest).toContain(`signature ed25519 keyid \`${KEYID}\``);
    expect(latest).toContain(`run dir [${run2}](file://${run2})`);
    expect(kbBodyOf(latest)).toBe('FINAL RESULT: C — changed\n');
    // After the signed bytes, as the hand-written KB pages end: links to the run's other reports, and the way back.
    expect(latest).toMatch(/\nReports of this run: \[Report 01\]\(\.\/01-[^)]+\.md\)/);
    expect(latest.trimEnd().split('\n').pop()).toBe(`Back to Knowledge Hub ${KB_PATH}`);
    expect(readFileSync(join(kb, KB_PATH, '.revisions', `${FINAL}.r1.md`), 'utf8')).toBe(r1);
    expect(readFileSync(join(kb, KB_PATH, '.revisions', `${FINAL}.r2.md`), 'utf8')).toBe(latest);
    // the KB copy's body is the signed report: its sha256 is the one in the header and in the bundle
    expect(sha256Hex(kbBodyOf(r1)!)).toBe(sha256Hex(readFileSync(join(run1, FINAL))));
    expect(r1).toContain(`sha256 \`${sha256Hex(readFileSync(join(run1, FINAL)))}\``);
    expect(r1.split('\n')[2]).toMatch(/^\d+ min read Revision 1$/);

    const listed = listKb(kb);
    expect(listed).toHaveLength(12);
    expect(listed.find((d) => d.path === finalPath)).toMatchObject({ revision: 2, publishedAt: '2026-11-21T11:00:00.000Z' });
    const shown = showKb(kb, kbIdOf(finalPath));
    expect(shown).toMatchObject({ path: finalPath, revision: 2, revisions: [1, 2] });
    expect(showKb(kb, finalPath, 1).text).toBe(r1);
    expect(showKb(kb, finalPath.replace(/\.md$/, '')).revision).toBe(2);
    expect(() => showKb(kb, 'KB-0000-nope')).toThrow(GaterunError);
    expect(() => showKb(kb, finalPath, 3)).toThrow(/revision 3 \(kept: 1, 2\)/);
  });

  test('the reading time counts the report body', () => {
    const kb = tempDir();
    publishToKbDir(kb, KB_PATH, signedRun(), opts('2026-11-21T10:30:00Z'));
    // fixture report 12: a 6-word heading, a 4-word result line and 740 words → 750 words → 4 min
    expect(readFileSync(join(kb, KB_PATH, FINAL), 'utf8').split('\n')[2]).toBe('4 min read Revision 1');
    expect(readFileSync(join(kb, KB_PATH, '01-precheck-live.md'), 'utf8').split('\n')[2]).toBe('2 min read Revision 1');
  });

  test('refuses a report that changed after signing, and a path with ..', () => {
    const kb = tempDir();
    const run = signedRun();
    writeFileSync(join(run, '03-baseline-tests.md'), 'edited\n');
    expect(() => publishToKbDir(kb, KB_PATH, run, opts('2026-11-21T10:30:00Z'))).toThrow(
      /03-baseline-tests\.md changed since it was signed/,
    );
    expect(existsSync(join(kb, KB_PATH))).toBe(false);
    expect(() => publishToKbDir(kb, '../escape', signedRun(), opts('2026-11-21T10:30:00Z'))).toThrow(/must be relative/);
  });

  test('an id shared by two paths is ambiguous and names both; the path still works', () => {
    const seen = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const id = kbIdOf(`p${i}/${FINAL}`);
      if (seen.has(id)) pair = [seen.get(id)!, `p${i}`];
      else seen.set(id, `p${i}`);
    }
    const kb = tempDir();
    const run = signedRun();
    for (const p of pair) publishToKbDir(kb, p, run, opts('2026-11-21T10:30:00Z'));
    const id = kbIdOf(`${pair[0]}/${FINAL}`);
    let error: unknown;
    try {
      showKb(kb, id);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'EKBAMBIGUOUS', details: [`${pair[0]}/${FINAL}`, `${pair[1]}/${FINAL}`].sort() });
    expect(showKb(kb, `${pair[1]}/${FINAL}`).kbId).toBe(id);
  });

  test('a revision file that already exists is never overwritten (the next number is taken)', () => {
    const kb = tempDir();
    publishToKbDir(kb, KB_PATH, signedRun(), opts('2026-11-21T10:30:00Z'));
    // another publisher left r3 (r2 never written): the next publish goes after the highest kept, and r3 stays as it was
    writeFileSync(join(kb, KB_PATH, '.revisions', `${FINAL}.r3.md`), 'other publisher\n');
    const a = publishToKbDir(kb, KB_PATH, signedRun(), opts('2026-11-21T10:31:00Z'));
    expect(a.find((p) => p.path.endsWith(FINAL))?.revision).toBe(4);
    expect(readFileSync(join(kb, KB_PATH, '.revisions', `${FINAL}.r3.md`), 'utf8')).toBe('other publisher\n');
    expect(
      readdirSync(join(kb, KB_PATH, '.revisions'))
        .filter((f) => f.startsWith(FINAL))
        .sort(),
    ).toEqual([`${FINAL}.r1.md`, `${FINAL}.r3.md`, `${FINAL}.r4.md`]);
  });
});

describe('PostgreSQL KB store', () => {
  let server: TestPostgres;
  let sql: ReturnType<typeof postgres>;
  const prefix = `test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    server = await startTestPostgres();
    sql = postgres(server.url, { onnotice: () => {}, max: 4 });
  }, 60_000);
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
  });

  test('publish twice: Revision 2 latest, Revision 1 kept; rendered like the dir store', async () => {
    const kbPath = `${prefix}/${KB_PATH}`;
    const finalPath = `${kbPath}/${FINAL}`;
    const run1 = signedRun();
    const first = await publishToKbPostgres(sql, kbPath, run1, opts('2026-11-21T10:30:00Z'));
    expect(first).toHaveLength(12);
    expect(first.every((p) => p.revision === 1)).toBe(true);
    const run2 = signedRun();
    writeFileSync(join(run2, FINAL), 'FINAL RESULT: C — changed\n');
    signBundle(run2, { ...SIGN_OPTIONS, outcomeCode: 'C', privateKey });
    const second = await publishToKbPostgres(sql, kbPath, run2, opts('2026-11-21T11:00:00Z'));
    expect(second.find((p) => p.path === finalPath)).toEqual({ kbId: kbIdOf(finalPath), path: finalPath, revision: 2 });

    const shown = await showKbPostgres(sql, finalPath);
    expect(shown).toMatchObject({
      revision: 2,
      revisions: [1, 2],
      title: 'O8C real-DB rollback-only proof readiness — 12-final-o8c-report',
    });
    expect(shown.text.split('\n')[2]).toBe('1 min read Revision 2');
    expect(kbBodyOf(shown.text)).toBe('FINAL RESULT: C — changed\n');
    const old = await showKbPostgres(sql, finalPath, 1);
    expect(kbBodyOf(old.text)).toBe(readFileSync(join(run1, FINAL), 'utf8'));

    // same rendering as the directory store for the same publish
    const kb = tempDir();
    publishToKbDir(kb, kbPath, run1, opts('2026-11-21T10:30:00Z'));
    expect(old.text).toBe(showKb(kb, finalPath).text);

    const rows =
      await sql`select path, revision, sha256, signature, tags from kb.document_revision where path = ${finalPath} order by revision`;
    expect(rows.map((r) => r.revision)).toEqual([1, 2]);
    expect(rows[0].sha256).toBe(sha256Hex(readFileSync(join(run1, FINAL))));
    expect(rows[0].signature).toBe(KEYID);
    expect(rows[0].tags).toEqual(['dieu44', 'iu-cutter', 'v0.6']);
    const listed = (await listKbPostgres(sql)).filter((d) => d.path.startsWith(`${prefix}/`));
    expect(listed).toHaveLength(12);
    expect(listed.find((d) => d.path === finalPath)).toMatchObject({ revision: 2, publishedAt: '2026-11-21T11:00:00.000Z' });
    await expect(showKbPostgres(sql, `${prefix}/nope.md`)).rejects.toThrow(/no KB document/);
  });

  test('the table refuses a second row with the same (path, revision)', async () => {
    const kbPath = `${prefix}/unique`;
    await publishToKbPostgres(sql, kbPath, signedRun(), opts('2026-11-21T10:30:00Z'));
    await expect(sql`insert into kb.document_revision (kb_id, path, revision, title, body, sha256, signature, run_dir, file)
      values ('KB-0000', ${`${kbPath}/${FINAL}`}, 1, 't', 'b', 's', 'x', '/r', 'f')`).rejects.toThrow(/duplicate key/);
  });

  test('concurrent publishers of the same path get distinct revisions', async () => {
    const kbPath = `${prefix}/concurrent`;
    const runs = [signedRun(), signedRun(), signedRun()];
    const results = await Promise.all(runs.map((r) => publishToKbPostgres(sql, kbPath, r, opts('2026-11-21T10:30:00Z'))));
    const revs = results.map((res) => res.find((p) => p.path.endsWith(FINAL))!.revision).sort();
    expect(revs).toEqual([1, 2, 3]);
  });
});
