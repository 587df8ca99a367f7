// The reviewer's web view in real Chromium (Debian chromium via playwright-core): the demo's runs, every link,
// verify badges for edited and unsigned bundles, hostile gate output shown as text, file:// and served.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadPublicKeys } from '../../src/report/keys.js';
import { buildSite } from '../../src/view/build-site.js';
import { serveSite, type ServedSite } from '../../src/view/serve.js';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Screenshots are artifacts for a person to look at: kept (overwritten each run) outside the repo.
const SHOTS = join(tmpdir(), 'gaterun-view-screenshots');

const XSS_OUT = `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`;
const XSS_MACRO = `id: X1
macro: hostile-output
title: "Hostile <script>window.__xss = 3</script> title"
mutation: none
outcome: X1_PASS
outcome_facts:
  said: G0.said
gates:
  - id: G0
    title: hostile-output
    kind: command
    with:
      command: ${JSON.stringify(`printf '%s\\n' '${XSS_OUT}'; echo '[click](javascript:window.__xss=4) [file](file:///etc/passwd) ![img](http://example.invalid/x.png)'`)}
      fact: said
`;

let ws: string;
/** The demo's runs, read back from its reports dir. */
interface DemoRun {
  id: string;
  dir: string;
  outcome: string;
  gates: number;
}
let demo: { ok: boolean; macros: DemoRun[] };
let keys: ReturnType<typeof loadPublicKeys>;
let ctx: BrowserContext;
let page: Page;
const problems: string[] = [];
const offsite: string[] = [];

/** Site pages reachable from index.html; every href on them must resolve (file exists / HTTP 200, and #id exists). */
async function crawl(
  start: string,
  exists: (url: string) => Promise<boolean>,
): Promise<{ pages: number; links: number; broken: string[] }> {
  const seen = new Set<string>([start]);
  const queue = [start];
  const ids = new Map<string, Set<string>>();
  const fragments: [string, string, string][] = [];
  const broken: string[] = [];
  let links = 0;
  while (queue.length) {
    const url = queue.shift()!;
    const resp = await page.goto(url);
    if (resp && resp.status() !== 200) broken.push(`${url}: HTTP ${resp.status()}`);
    ids.set(url, new Set(await page.$$eval('[id]', (els) => els.map((e) => e.id))));
    const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    for (const h of hrefs) {
      links++;
      const [base, frag] = h.split('#');
      if (!base.startsWith(start.slice(0, start.lastIndexOf('/')))) {
        broken.push(`${url} → ${h}: leaves the site`);
        continue;
      }
      if (frag) fragments.push([url, base, decodeURIComponent(frag)]);
      if (seen.has(base)) continue;
      seen.add(base);
      if (!(await exists(base))) broken.push(`${url} → ${h}: missing`);
      else if (base.endsWith('.html')) queue.push(base);
    }
  }
  for (const [from, base, frag] of fragments) if (!ids.get(base)?.has(frag)) broken.push(`${from} → ${base}#${frag}: no such id`);
  return { pages: ids.size, links, broken };
}

/** The run id of a demo macro's run (its dir name). */
const rid = (m: { dir: string }) => basename(m.dir);
const fileExists = async (url: string) => existsSync(fileURLToPath(url));
const httpStatus = (url: string, host?: string) =>
  new Promise<number>((ok, fail) => {
    const u = new URL(url);
    request({ host: u.hostname, port: u.port, path: u.pathname, headers: host ? { host } : {} }, (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    })
      .on('error', fail)
      .end();
  });

beforeAll(async () => {
  ws = tempDir('gaterun-view-');
  // The built CLI in a child process (as a user runs it): no need to compile the demo's modules in the test.
  const r = await gaterun(['demo', '--workspace', join(ws, 'demo'), '--renderer', 'silent']);
  const reports = join(ws, 'demo', 'reports');
  const macros = readdirSync(reports)
    .sort()
    .map((id) => {
      const dir = join(reports, id, readdirSync(join(reports, id))[0]);
      const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
      const gates = run.gates.filter((g: { status: string }) => g.status !== 'PENDING').length;
      return { id, dir, outcome: String(run.outcome.text), gates };
    });
  demo = { ok: r.exitCode === 0, macros };
  keys = loadPublicKeys([join(ws, 'demo', 'keys', 'signing-key.pub.pem')]);
  const udd = tempDir('gaterun-chromium-');
  ctx = await chromium.launchPersistentContext(udd, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!/^(file:|http:\/\/127\.0\.0\.1:)/.test(r.url())) offsite.push(r.url());
  });
  mkdirSync(SHOTS, { recursive: true });
}, 180000);

afterAll(async () => {
  await ctx?.close();
  cleanupTemp();
});

describe('gaterun view: the demo in Chromium', () => {
  test('the five demo runs load from file:// with verified badges, and every link resolves', async () => {
    expect(demo.ok).toBe(true);
    const site = buildSite({ reportsDir: join(ws, 'demo', 'reports'), outDir: join(ws, 'site'), trustedKeys: keys.map((k) => k.key) });
    expect(site.runs.map((r) => r.macroId).sort()).toEqual(['O8B', 'O8C', 'O8D', 'O8E', 'O8F']);
    const index = pathToFileURL(join(site.outDir, 'index.html')).href;
    await page.goto(index);
    const rows = await page.$$eval('table.runs tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).innerText.replace(/\s+/g, ' ')));
    expect(rows).toHaveLength(5);
    for (const m of demo.macros) {
      const row = rows.find((r) => r.includes(rid(m)))!;
      expect(row).toMatch(
        new RegExp(`^${m.id} ${rid(m)} .* A ${m.outcome.slice(4)} ${m.gates}/${m.gates} \\d+/\\d+ verified · keyid [0-9a-f]{16}`),
      );
    }
    // The chain O8B → O8F: each run links to the predecessor bundle its G0 verified.
    const chain = await page.$$eval('ol.chain > li > a', (as) => as.map((a) => (a.textContent ?? '').replace(/\s+/g, ' ').trim()));
    expect(chain).toEqual(['outcome A O8B', 'outcome A O8C', 'outcome A O8D', 'outcome A O8E', 'outcome A O8F']);
    const crawled = await crawl(index, fileExists);
    expect(crawled.broken).toEqual([]);
    expect(crawled.pages).toBeGreaterThan(70); // index + 9 filter pages + 5 run pages + one page per report
    expect(crawled.links).toBeGreaterThan(500);

    // The run page: roll-up links to gate pages, "Report 03" is a link, timeline and counts are SVG, ledger is a table.
    const o8c = demo.macros.find((m) => m.id === 'O8C')!;
    await page.goto(new URL(`runs/O8C/${rid(o8c)}/index.html`, index).href);
    expect(await page.locator('table.rollup a[href="01-precheck-live.html"]').count()).toBe(1);
    expect(await page.locator('article.report a.report-ref', { hasText: 'Report 06' }).first().getAttribute('href')).toBe(
      '06-execute-rollback-only-proof.html',
    );
    expect(await page.locator('figure.timeline svg rect.bar').count()).toBe(10);
    const inside = await page.$$eval('figure.db table tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLElement).innerText.replace(/\s+/g, ' ')),
    );
    expect(inside).toContain('public.information_unit 158 159 158 yes');
    expect(await page.locator('table.ledger tbody tr').count()).toBe(
      readFileSync(join(o8c.dir, 'ledger.jsonl'), 'utf8').trim().split('\n').length,
    );
    expect(await page.locator('button.copy').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'run-o8c.png'), fullPage: true });
    await page.screenshot({ path: join(SHOTS, 'run-o8c-top.png') });
    expect(problems).toEqual([]);
    expect(offsite).toEqual([]);
  }, 180000);

  test('an edited byte shows TAMPERED naming the file; an unsigned run shows "unsigned"; hostile output stays text', async () => {
    const reports = join(ws, 'mixed');
    cpSync(join(ws, 'demo', 'reports'), reports, { recursive: true });
    // One byte of O8C's first report, in a copy of the bundle next to the original.
    const o8c = demo.macros.find((m) => m.id === 'O8C')!;
    const copy = join(reports, 'O8C', `${rid(o8c)}-copy`);
    cpSync(o8c.dir, copy, { recursive: true });
    // A first build while the copy is intact: the rebuild below must not keep its "verified" pages.
    const first = buildSite({ reportsDir: reports, outDir: join(ws, 'site-mixed'), trustedKeys: keys.map((k) => k.key) });
    expect(first.runs.filter((x) => x.badge.kind === 'verified')).toHaveLength(6);
    const file = join(copy, '01-precheck-live.md');
    const bytes = readFileSync(file);
    const at = bytes.indexOf('PASS');
    bytes[at] = 'F'.charCodeAt(0);
    writeFileSync(file, bytes);
    // A real run without a signing key whose output, title and facts carry <script> and <img onerror>.
    const dir = tempDir('gaterun-xss-');
    writeFiles(dir, { 'X1.yaml': XSS_MACRO });
    const out = join(reports, 'X1', '20991231T000000Z-x1-0000');
    const r = await gaterun(['run', join(dir, 'X1.yaml'), '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(out, '01-hostile-output.md'), 'utf8')).toContain('<script>');

    const site = buildSite({ reportsDir: reports, outDir: join(ws, 'site-mixed'), trustedKeys: keys.map((k) => k.key) });
    expect(site.rendered).toBeLessThan(site.runs.length); // the unchanged demo runs kept their pages…
    expect(site.rendered).toBeGreaterThanOrEqual(2); // …the edited copy and the new run did not
    const index = pathToFileURL(join(site.outDir, 'index.html')).href;
    await page.goto(index);
    const badge = (runDir: string) => page.locator(`tr:has(th a[href$="${runDir}/index.html"]) .vbadge`).innerText();
    expect(await badge(`${rid(o8c)}-copy`)).toBe('TAMPERED: 01-precheck-live.md changed');
    expect(await badge(rid(o8c))).toMatch(/^verified · keyid [0-9a-f]{16}$/);
    expect(await badge('20991231T000000Z-x1-0000')).toBe('unsigned');
    await page.screenshot({ path: join(SHOTS, 'index.png'), fullPage: true });
    await page.goto(new URL(`runs/O8C/${rid(o8c)}-copy/01-precheck-live.html`, index).href);
    expect(await page.locator('[role=alert]').innerText()).toContain('01-precheck-live.md was changed');

    // Hostile output: shown as text everywhere, no script runs, no javascript:/file: link, no remote image.
    for (const p of [
      'index.html',
      'macro/X1.html',
      'runs/X1/20991231T000000Z-x1-0000/index.html',
      'runs/X1/20991231T000000Z-x1-0000/01-hostile-output.html',
    ]) {
      await page.goto(new URL(p, index).href);
      await page.waitForLoadState('load');
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(await page.locator('main script, main img, main iframe').count()).toBe(0);
      expect(
        await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')!).filter((h) => /^(javascript|file|data):/i.test(h))),
      ).toEqual([]);
    }
    const text = await page.locator('article.report').innerText();
    expect(text).toContain(XSS_OUT);
    expect(text).toContain('[image: img]');
    await page.goto(new URL('runs/X1/20991231T000000Z-x1-0000/index.html', index).href);
    expect(await page.locator('h1 + p.lede').innerText()).toBe('Hostile <script>window.__xss = 3</script> title');
    expect(await page.locator('#fo-text').innerText()).toContain(XSS_OUT);
    expect(problems).toEqual([]);
    expect(offsite).toEqual([]);
  });

  let served: ServedSite | undefined;
  afterAll(async () => served?.close());

  test('gaterun serve: same site on 127.0.0.1, every link 200, a new run appears, other Host names refused', async () => {
    const reports = join(ws, 'served');
    mkdirSync(reports);
    for (const m of demo.macros.slice(0, 4)) cpSync(m.dir, join(reports, m.id, rid(m)), { recursive: true });
    served = await serveSite({ reportsDir: reports, port: 0, trustedKeys: keys.map((k) => k.key) });
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const crawled = await crawl(`${served.url}index.html`, async (u) => (await httpStatus(u)) === 200);
    expect(crawled.broken).toEqual([]);
    expect(crawled.pages).toBeGreaterThan(50);
    await page.goto(served.url);
    expect(await page.locator('table.runs tbody tr').count()).toBe(4);
    const builds = served.builds();
    const o8f = demo.macros[4];
    cpSync(o8f.dir, join(reports, o8f.id, rid(o8f)), { recursive: true });
    await page.reload();
    expect(await page.locator('table.runs tbody tr').count()).toBe(5);
    expect(await page.locator(`table.runs th a[href="runs/O8F/${rid(o8f)}/index.html"]`).count()).toBe(1);
    expect(served.builds()).toBe(builds + 1);
    await page.reload();
    expect(served.builds()).toBe(builds + 1); // nothing changed: no rebuild
    expect(await httpStatus(served.url, `evil.example:${served.port}`)).toBe(421);
    await expect(serveSite({ reportsDir: reports, port: served.port, trustedKeys: [] })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${served.port}: EADDRINUSE`,
    );
    expect(await httpStatus(`${served.url}..%2f..%2fetc%2fpasswd`)).toBe(404);
    expect(problems).toEqual([]);
    expect(offsite).toEqual([]);
  }, 180000);

  test('view refuses to overwrite a directory it did not build', () => {
    const out = tempDir('gaterun-notsite-');
    writeFileSync(join(out, 'precious.txt'), 'keep me');
    expect(() => buildSite({ reportsDir: join(ws, 'demo', 'reports'), outDir: out, trustedKeys: [] })).toThrow(
      /not empty and was not built by gaterun view/,
    );
    expect(readdirSync(out)).toEqual(['precious.txt']);
    rmSync(out, { recursive: true });
  });
});
