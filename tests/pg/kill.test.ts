// SIGKILL in the middle: a gaterun process dying mid-proof leaks nothing; a dead parent leaves no server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { reapStaleServers } from '../../src/pg/embedded-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { IU_TABLES, PROBE_SQL } from '../helpers/o8c-proofs.js';
import { isAlive, killHard, startFixture, waitFor } from '../helpers/processes.js';

describe('kill -9 of a process in the middle of a rollback-only proof', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ sample: true });
  });
  afterAll(async () => {
    await db.drop();
  });

  test('counts unchanged while it hangs and after; its transaction ends aborted; no probe rows', async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      const counts = async () => {
        const out: number[] = [];
        for (const table of IU_TABLES) out.push(Number((await sql.unsafe(`select count(*) as n from ${table}`))[0].n));
        out.push(Number((await sql.unsafe(PROBE_SQL))[0].count));
        return out;
      };
      expect(await counts()).toEqual([158, 165, 60, 0]);
      const { child } = await startFixture('rollback-proof-child', [db.url], /STARTED/);
      // Wait until the child's transaction has written (PROOF-1) and is sleeping in PROOF-2.
      let victim: { pid: number; xid: string | null } | undefined;
      const sleeping = await waitFor(async () => {
        const rows = await sql<{ pid: number; xid: string | null }[]>`
          select pid, backend_xid::text as xid from pg_stat_activity
          where datname = current_database() and application_name = 'gaterun/test-run' and query like '%pg_sleep(60)%' and state = 'active'`;
        victim = rows[0];
        return Boolean(victim?.xid);
      }, 15000);
      expect(sleeping).toBe(true);
      // Mid-proof: the insert exists only inside the open transaction.
      expect(await counts()).toEqual([158, 165, 60, 0]);
      await killHard(child);
      // The server notices the dead client (client_connection_check_interval) and rolls back.
      const gone = await waitFor(async () => (await sql`select 1 from pg_stat_activity where pid = ${victim!.pid}`).length === 0, 10000);
      expect(gone).toBe(true);
      const [{ st }] = await sql<{ st: string }[]>`select pg_xact_status(${victim!.xid}::xid8) as st`;
      expect(st).toBe('aborted');
      expect(await counts()).toEqual([158, 165, 60, 0]);
    } finally {
      await sql.end();
    }
  });
});

describe('kill -9 of a process that started an embedded server', () => {
  let base: string;
  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'gaterun-killtest-'));
    fs.chmodSync(base, 0o755); // PostgreSQL runs as nobody when the tests run as root
  });
  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('the watcher stops the postmaster and removes the temp dir', async () => {
    const { child, line } = await startFixture('embedded-server-child', [base], /"pid"/);
    const info = JSON.parse(line) as { pid: number; watcherPid: number; root: string; url: string };
    expect(isAlive(info.pid)).toBe(true);
    expect(fs.existsSync(info.root)).toBe(true);
    await killHard(child);
    expect(await waitFor(() => !isAlive(info.pid), 10000)).toBe(true);
    expect(await waitFor(() => !fs.existsSync(info.root), 10000)).toBe(true);
    expect(await waitFor(() => !isAlive(info.watcherPid), 5000)).toBe(true);
  });

  test('if the watcher dies too, the next start (reapStaleServers) stops the stale server', async () => {
    const { child, line } = await startFixture('embedded-server-child', [base], /"pid"/);
    const info = JSON.parse(line) as { pid: number; watcherPid: number; root: string };
    process.kill(info.watcherPid, 'SIGKILL');
    await waitFor(() => !isAlive(info.watcherPid), 5000);
    await killHard(child);
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(info.pid)).toBe(true); // orphaned: nobody stopped it yet
    const reaped = reapStaleServers(base);
    expect(reaped).toEqual([info.root]);
    expect(await waitFor(() => !isAlive(info.pid), 10000)).toBe(true);
    expect(fs.existsSync(info.root)).toBe(false);
  });

  test("reapStaleServers leaves a live parent's server alone", async () => {
    const { child, line } = await startFixture('embedded-server-child', [base], /"pid"/);
    const info = JSON.parse(line) as { pid: number; root: string };
    try {
      expect(reapStaleServers(base)).toEqual([]);
      expect(isAlive(info.pid)).toBe(true);
    } finally {
      await killHard(child);
      await waitFor(() => !isAlive(info.pid) && !fs.existsSync(info.root), 10000);
    }
  });
});
