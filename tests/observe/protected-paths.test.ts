// Protected paths on real hosts (local and a real sshd): digests and stat passes through ctx.exec,
// changes named by file and attributed to the gate they followed, no false positives.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFileSync, chmodSync, mkdirSync, rmSync, unlinkSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadTarget } from '../../src/target/load-target.js';
import {
  attributeChanges,
  diffProtected,
  digestProtected,
  explainChanges,
  statProtected,
  type ProtectedChange,
} from '../../src/observe/protected-paths.js';
import { testContext } from '../helpers/host-context.js';
import { startHosts, type TestHosts } from '../helpers/hosts.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

let hosts: TestHosts;
beforeAll(async () => {
  hosts = await startHosts();
});
afterAll(async () => {
  await hosts.stop();
  cleanupTemp();
});

function tree() {
  const root = tempDir('gaterun-protected-');
  writeFiles(root, {
    'v04/README.md': 'v0.4\n',
    'v04/src/app.py': 'print(1)\n',
    'v04/src/lib/util.py': 'x = 1\n',
    'v04/.git/HEAD': 'ref\n',
  });
  writeFileSync(join(root, 'single.conf'), 'a=1\n');
  return { root, v04: join(root, 'v04'), single: join(root, 'single.conf'), missing: join(root, 'not-yet') };
}

const brief = (cs: ProtectedChange[]) => cs.map((c) => `${c.change} ${c.path} [${c.what}] after ${c.after}`);

describe.each(['local', 'ssh'] as const)('protected paths on a %s host', (kind) => {
  const host = () => hosts.name(kind);
  const ctx = () => testContext({ hosts: hosts.hosts, host: host(), policy: 'none' });

  test('nothing changed: no differences, in digests or in stat passes (also after read-only commands)', async () => {
    const t = tree();
    const paths = [t.v04, t.single, t.missing];
    const { ctx: c } = ctx();
    const d0 = await digestProtected(c, host(), paths);
    const s0 = await statProtected(c, host(), paths);
    expect(Object.keys(d0.roots[t.v04].entries).sort()).toEqual(['.git/HEAD', 'README.md', 'src/app.py', 'src/lib/util.py']);
    expect(d0.roots[t.single].entries['.']).toMatch(/^[0-9a-f]{64}$/);
    expect(d0.roots[t.missing]).toEqual({ exists: false, entries: {} });
    expect(Object.keys(s0.roots[t.v04].entries)).toContain('src/lib');
    // Readers: git-like status, find, cat, sha256sum — none of them may show up as a change.
    await c.shell(`cat ${t.v04}/README.md && find ${t.v04} -type f | wc -l && sha256sum ${t.single}`, { host: host() });
    const s1 = await statProtected(c, host(), paths);
    const d1 = await digestProtected(c, host(), paths);
    expect(diffProtected(s0, s1, 'G1')).toEqual([]);
    expect(diffProtected(d0, d1, 'G1')).toEqual([]);
  });

  test('changes made behind the sandbox between two observations are found and named by file, with the gate', async () => {
    const t = tree();
    const paths = [t.v04, t.single, t.missing];
    const { ctx: c, ledger } = ctx();
    const d0 = await digestProtected(c, host(), paths);
    const s0 = await statProtected(c, host(), paths);
    // After "G1": the test itself writes directly (bypassing every sandbox).
    appendFileSync(join(t.v04, 'src', 'app.py'), 'print(2)\n');
    writeFileSync(join(t.v04, 'src', 'lib', 'new.py'), 'y = 2\n');
    unlinkSync(join(t.v04, 'README.md'));
    const s1 = await statProtected(c, host(), paths);
    const g1 = diffProtected(s0, s1, 'G1');
    expect(brief(g1)).toEqual([
      `removed ${t.v04}/README.md [removed] after G1`,
      expect.stringMatching(new RegExp(`^modified ${t.v04}/src/app.py \\[size 9 → 18, mtime, ctime\\] after G1$`)),
      `added ${t.v04}/src/lib/new.py [added] after G1`,
    ]);
    // After "G2": a mode change, content rewritten with the same size and mtime put back, and a protected path appears.
    chmodSync(join(t.v04, 'src', 'lib', 'util.py'), 0o600);
    const before = statSync(t.single);
    writeFileSync(t.single, 'a=2\n');
    utimesSync(t.single, before.atime, before.mtime);
    mkdirSync(t.missing);
    writeFileSync(join(t.missing, 'f'), '1');
    const s2 = await statProtected(c, host(), paths);
    const g2 = diffProtected(s1, s2, 'G2');
    expect(brief(g2)).toEqual([
      `added ${t.missing} [added (${t.missing} did not exist)] after G2`,
      `added ${t.missing}/f [added (${t.missing} did not exist)] after G2`,
      // utimes keeps microseconds only, so mtime may differ in its last digits; ctime always moves.
      expect.stringMatching(new RegExp(`^modified ${t.single} \\[(mtime, )?ctime\\] after G2$`)),
      `modified ${t.v04}/src/lib/util.py [mode 644 → 600, ctime] after G2`,
    ]);
    // The final digest comparison names content changes; attribution comes from the stat passes.
    const d2 = await digestProtected(c, host(), paths);
    const final = attributeChanges(diffProtected(d0, d2, 'after run'), [...g1, ...g2]);
    expect(brief(final)).toEqual([
      `added ${t.missing}/f [added (${t.missing} did not exist)] after G2`,
      `modified ${t.single} [content] after G2`,
      `removed ${t.v04}/README.md [removed] after G1`,
      `modified ${t.v04}/src/app.py [content] after G1`,
      `added ${t.v04}/src/lib/new.py [added] after G1`,
    ]);
    // Nobody had permission for any of it: all unexplained.
    expect(explainChanges(final, ledger.entries).map((x) => x.explainedBy)).toEqual([[], [], [], [], []]);
  });

  test('a tree removed between observations: every file named as removed', async () => {
    const t = tree();
    const { ctx: c } = ctx();
    const s0 = await statProtected(c, host(), [t.v04]);
    rmSync(join(t.v04, 'src'), { recursive: true });
    const s1 = await statProtected(c, host(), [t.v04]);
    expect(diffProtected(s0, s1, 'G3').map((x) => `${x.change} ${x.path.slice(t.v04.length)}`)).toEqual([
      'removed /src',
      'removed /src/app.py',
      'removed /src/lib',
      'removed /src/lib/util.py',
    ]);
  });
});

describe('explainChanges', () => {
  test('a permitted, ledgered deploy write explains its change; the same change after a non-mutating gate does not', async () => {
    const t = tree();
    const dot = join(t.root, 'dot');
    mkdirSync(join(dot, 'app'), { recursive: true });
    writeFileSync(join(dot, 'app', 'v'), '1');
    const target = { name: 't', file: null, hosts: {}, paths: { deploy: join(dot, 'app') } };
    const runDir = tempDir('gaterun-run-');
    const g5 = testContext({ gateId: 'G5', policy: 'deploy', runDir });
    Object.assign(g5.ctx.target.paths, target.paths);
    const s0 = await statProtected(g5.ctx, 'local', [join(dot, 'app'), t.v04]);
    // G5 deploys (mutating, scope deploy, sandboxed with the deploy parent writable) ...
    const w = await g5.ctx.shell(`echo 2 > ${dot}/app/v`, { mutates: true, scope: 'deploy' });
    expect(w.exitCode).toBe(0);
    const s1 = await statProtected(g5.ctx, 'local', [join(dot, 'app'), t.v04]);
    // ... and something else changes v0.4 outside any permitted action.
    writeFileSync(join(t.v04, 'README.md'), 'tampered\n');
    const s2 = await statProtected(g5.ctx, 'local', [join(dot, 'app'), t.v04]);
    const changes = [...diffProtected(s0, s1, 'G5'), ...diffProtected(s1, s2, 'G6')];
    const explained = explainChanges(changes, g5.ledger.entries, target);
    expect(explained.map((x) => [x.path, x.after, x.explainedBy.length > 0])).toEqual([
      [`${dot}/app/v`, 'G5', true],
      [`${t.v04}/README.md`, 'G6', false],
    ]);
    const seq = explained[0].explainedBy[0];
    expect(g5.ledger.entries.find((e) => e.seq === seq)).toMatchObject({ mutating: true, scope: 'deploy', detail: { sandbox: 'bwrap' } });
  });
});

describe('protect: and scopes: in the target file', () => {
  test('loaded with paths resolved against the target folder', () => {
    const dir = tempDir();
    writeFiles(dir, {
      't.yaml':
        'name: t\nhosts:\n  vps: ssh://u@127.0.0.1:2222\nprotect:\n  vps: [/opt/dot/iu-cutter]\n  local: [rel/tree]\nscopes:\n  deploy: [/opt/dot]\n',
    });
    const t = loadTarget(join(dir, 't.yaml'));
    expect(t.protect).toEqual({ vps: ['/opt/dot/iu-cutter'], local: [join(dir, 'rel/tree')] });
    expect(t.scopes).toEqual({ deploy: ['/opt/dot'] });
  });

  test('an unknown host under protect: and a bad scopes: key are errors naming file, line, key and what was expected', () => {
    const dir = tempDir();
    writeFiles(dir, { 't.yaml': 'name: t\nprotect:\n  vsp: [/x]\n', 'u.yaml': 'name: t\nscopes:\n  db: [/x]\n' });
    const problems = (f: string): string[] => {
      try {
        loadTarget(join(dir, f));
      } catch (e) {
        expect((e as { code: string }).code).toBe('ETARGETINVALID');
        return (e as { details: string[] }).details;
      }
      throw new Error(`${f} loaded without an error`);
    };
    expect(problems('t.yaml')).toEqual([`${join(dir, 't.yaml')}:3:3 protect.vsp: unknown host "vsp"; expected one of local`]);
    expect(problems('u.yaml')[0]).toMatch(/u\.yaml:3:3 scopes\.db: unknown key "db"; allowed keys: source, deploy/);
  });
});
