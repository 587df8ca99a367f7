// Site pages without a browser: KB documents link to run pages (kb.site_url), report Markdown is sanitised, ledger rows link to logs.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kbBodyOf, parseKbHeader } from '../../src/kb/kb-document.js';
import { publishToKbDir } from '../../src/kb/kb-dir.js';
import { buildSite } from '../../src/view/build-site.js';
import { createMarkdown } from '../../src/view/render-markdown.js';
import { runPageUrl } from '../../src/view/site-paths.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

describe('KB documents link to the web view', () => {
  test('with a site URL the document names the run page, which the built site has; without, no line', () => {
    const root = tempDir();
    const runDir = join(root, 'reports', 'O8C', '20261201T000000Z-o8c-abcd');
    const body = '# O8C Report 01 — precheck\n\nsee Report 02\n';
    writeFiles(runDir, { '01-precheck.md': body, '02-final-o8c-report.md': '# final\n', 'run.json': '{}' });
    const url = runPageUrl('https://reviews.example/gaterun/', runDir);
    expect(url).toBe('https://reviews.example/gaterun/runs/O8C/20261201T000000Z-o8c-abcd/index.html');
    const kb = join(root, 'kb');
    publishToKbDir(kb, 'dev/o8c', runDir, { tags: ['t'], title: 'O8C', signature: 'UNSIGNED', runPage: url });
    const doc = readFileSync(join(kb, 'dev/o8c/01-precheck.md'), 'utf8');
    expect(doc).toContain(`web view: [${url}](${url})`);
    expect(parseKbHeader(doc)).toMatchObject({ path: 'dev/o8c/01-precheck.md', revision: 1 });
    expect(kbBodyOf(doc)).toBe(body);
    publishToKbDir(kb, 'dev/plain', runDir, { tags: [], title: 'O8C', signature: 'UNSIGNED' });
    expect(readFileSync(join(kb, 'dev/plain/01-precheck.md'), 'utf8')).not.toContain('web view:');
    // The path the KB points at is the page gaterun view writes for that run dir.
    const site = buildSite({ reportsDir: join(root, 'reports'), outDir: join(root, 'site'), trustedKeys: [] });
    expect(existsSync(join(site.outDir, new URL(url).pathname.replace('/gaterun/', '')))).toBe(true);
    // An unsigned run edited after a build: the rebuild re-renders it (its cache key is the content of every file).
    const page = join(site.outDir, 'runs/O8C/20261201T000000Z-o8c-abcd/01-precheck.html');
    expect(readFileSync(page, 'utf8')).toContain('precheck</h1>');
    writeFileSync(join(runDir, '01-precheck.md'), body.replace('precheck', 'edited later'));
    const again = buildSite({ reportsDir: join(root, 'reports'), outDir: join(root, 'site'), trustedKeys: [] });
    expect(again.rendered).toBe(1);
    expect(readFileSync(page, 'utf8')).toContain('edited later</h1>');
    expect(buildSite({ reportsDir: join(root, 'reports'), outDir: join(root, 'site'), trustedKeys: [] }).rendered).toBe(0);
  });
});

describe('report Markdown: raw HTML off, links sanitised, Report NN linked', () => {
  const links = { byNumber: new Map([['03', '03-tests.html']]), byFile: new Map([['03-tests.md', '03-tests.html']]) };
  const render = createMarkdown(links);

  test('hostile HTML and URLs stay text; sibling reports become links', () => {
    const html = render(
      [
        '<script>alert(1)</script> <img src=x onerror=alert(2)>',
        '[js](javascript:alert(3)) [JS](JaVaScRiPt:alert(4)) [vb](vbscript:x) [data](data:text/html,<b>x</b>) [file](file:///etc/passwd) [proto](//evil.example/x)',
        '![remote](http://evil.example/pixel.png) [web](https://example.org/a?b=1) [sibling](03-tests.md#facts) [outside](../../etc/passwd)',
        'see Report 03 and Report 09; `Report 03` in code stays code; [Report 03](https://example.org) stays that link',
      ].join('\n\n'),
    );
    expect(html).not.toMatch(/<script|<img|<[^>]*\sonerror=|href="(javascript|vbscript|data|file):|href="\/\//i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('[image: remote]');
    expect(html).toContain('<a href="https://example.org/a?b=1" rel="noopener noreferrer nofollow">web</a>');
    expect(html).toContain('<a href="03-tests.html#facts">sibling</a>');
    expect(html).toContain('<span class="nolink" title="../../etc/passwd">outside</span>');
    expect(html).toContain('<span class="nolink" title="javascript:alert(3)">js</span>');
    expect(html).toContain('see <a href="03-tests.html" class="report-ref">Report 03</a> and Report 09;');
    expect(html).toContain('<code>Report 03</code>');
    expect(html).toContain('<a href="https://example.org" rel="noopener noreferrer nofollow">Report 03</a>');
  });

  test("a resumed run's link to the earlier run's report becomes that run's page; anything else outside stays text", () => {
    const html = render(
      '[its report](../20261201T233957Z-res1-cb37/02-first.md) [not a run](../etc/02-first.md) [deeper](../20261201T233957Z-res1-cb37/../../x/02-a.md)',
    );
    expect(html).toContain('<a href="../20261201T233957Z-res1-cb37/02-first.html">its report</a>');
    expect(html).toContain('<span class="nolink" title="../etc/02-first.md">not a run</span>');
    expect(html).toContain('<span class="nolink" title="../20261201T233957Z-res1-cb37/../../x/02-a.md">deeper</span>');
  });

  test('a report does not link to itself', () => {
    expect(render('# X Report 03 — tests', '03')).toBe('<h1>X Report 03 — tests</h1>\n');
  });
});

describe('ledger rows link to full logs when the bundle has a logs/ dir', () => {
  test('entry #2 links to logs/0002-exec.log, whose page shows the log as escaped text', () => {
    const root = tempDir();
    const runDir = join(root, 'reports', 'L1', '20261201T000000Z-l1-0001');
    const ledger = [
      { seq: 1, action: 'db.lock', target: 'db', gate: null },
      { seq: 2, action: 'exec', target: 'echo hi', gate: 'G0', detail: { durationMs: 4, exitCode: 0 } },
    ];
    writeFiles(runDir, {
      'run.json': JSON.stringify({
        run_id: '20261201T000000Z-l1-0001',
        macro: { id: 'L1' },
        outcome: { code: 'A', text: 'A — L1' },
        gates: [],
      }),
      'ledger.jsonl': ledger.map((e) => JSON.stringify(e)).join('\n') + '\n',
      'logs/0002-exec.log': 'line 1\n<script>window.__xss = 1</script>\n',
    });
    const site = buildSite({ reportsDir: join(root, 'reports'), outDir: join(root, 'site'), trustedKeys: [] });
    const runPage = readFileSync(join(site.outDir, 'runs/L1/20261201T000000Z-l1-0001/index.html'), 'utf8');
    expect(runPage).toMatch(/<tr id="ledger-2">.*<a href="logs\/0002-exec.log.html">log<\/a><\/td><\/tr>/);
    expect(runPage).not.toMatch(/<tr id="ledger-1">(?:(?!<\/tr>).)*logs\//);
    const log = readFileSync(join(site.outDir, 'runs/L1/20261201T000000Z-l1-0001/logs/0002-exec.log.html'), 'utf8');
    expect(log).toContain('<pre class="log">line 1\n&lt;script&gt;window.__xss = 1&lt;/script&gt;\n</pre>');
    expect(log).toContain('href="../../../../assets/site.css"');
  });
});
