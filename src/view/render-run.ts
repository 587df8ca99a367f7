// The run page (final report, roll-up, timeline, database counts, comparison, ledger) and one page per report and log.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { LedgerEntry, RunEntry, RunGate } from './collect-runs.js';
import { esc, fmtMs, href, outcomeBadge, page, safeSegment, statusBadge } from './html.js';
import { createMarkdown, type ReportLinks } from './render-markdown.js';
import { countsSvg, timelineSvg, type CountSeries } from './svg-charts.js';

/** A file of the site: path relative to the site root, and its content. */
export interface SiteFile {
  path: string;
  content: string;
}

const ROOT = '../../../';

/** Where a run's page lives, relative to the site root. */
export function runPagePath(r: RunEntry): string {
  return `runs/${r.slug.map(encodeURIComponent).join('/')}/index.html`;
}

/** The verify badge as HTML (same words the index shows). */
export function verifyBadgeHtml(r: RunEntry): string {
  return `<span class="vbadge v-${r.badge.kind}" title="${esc(r.verify.problems.map((p) => p.message).join('\n') || `signed by keyid ${r.verify.keyid ?? ''}`)}">${esc(r.badge.text)}</span>`;
}

const pageOf = (file: string) => `${safeSegment(file.replace(/\.md$/, ''))}.html`;

/** Markdown files at the top of the run dir, in name order. */
function reportFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => e.name)
    .sort();
}

function logPage(name: string): string {
  return `logs/${safeSegment(name.replace(/\//g, '__'))}.html`;
}

function logsForEntry(r: RunEntry, e: LedgerEntry): string[] {
  const re = new RegExp(`^(?:.*/)?0*${Number(e.seq)}(?:[-_.]|$)`);
  return r.logs.filter((l) => re.test(l));
}

function numericFacts(g: RunGate): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(g.facts ?? {})) if (typeof v === 'number' && !/duration|_ms$/.test(k)) out[k] = v;
  return out;
}

/** Database counts of a gate: table → {series → count}. */
function gateCounts(g: RunGate): Record<string, Record<string, number>> {
  const f = g.facts ?? {};
  const out: Record<string, Record<string, number>> = {};
  if (Array.isArray(f.counts_table)) {
    for (const row of f.counts_table as { table: string; before?: number; in_txn?: number; after?: number }[]) {
      out[String(row.table)] = Object.fromEntries(
        Object.entries({ before: row.before, inside: row.in_txn, after: row.after }).filter(([, v]) => typeof v === 'number'),
      ) as Record<string, number>;
    }
  } else if (f.counts && typeof f.counts === 'object') {
    for (const [t, v] of Object.entries(f.counts as Record<string, unknown>)) if (typeof v === 'number') out[t] = { count: v };
  }
  return out;
}

function dbSection(r: RunEntry): string {
  const gates = r.record?.gates ?? [];
  const parts: string[] = [];
  for (const g of gates.filter((x) => Array.isArray(x.facts?.counts_table))) {
    const rows = g.facts.counts_table as { table: string; before?: number; in_txn?: number; after?: number }[];
    const tables = rows.map((x) => String(x.table));
    const series: CountSeries[] = [
      { name: 'before', cls: 's-before', values: Object.fromEntries(rows.map((x) => [x.table, x.before])) },
      { name: 'inside the transaction', cls: 's-inside', values: Object.fromEntries(rows.map((x) => [x.table, x.in_txn])) },
      { name: 'after ROLLBACK', cls: 's-after', values: Object.fromEntries(rows.map((x) => [x.table, x.after])) },
    ];
    const table = `<table class="data"><caption>Row counts around ${esc(g.id)} (${esc(g.facts.transaction ?? '')})</caption><thead><tr><th scope="col">Table</th><th scope="col" class="num">Before</th><th scope="col" class="num">Inside</th><th scope="col" class="num">After</th><th scope="col">Unchanged</th></tr></thead><tbody>${rows
      .map(
        (x) =>
          `<tr><th scope="row"><code>${esc(x.table)}</code></th><td class="num">${esc(x.before ?? '–')}</td><td class="num">${esc(x.in_txn ?? '–')}</td><td class="num">${esc(x.after ?? '–')}</td><td>${x.before === x.after ? 'yes' : '<strong class="bad">NO</strong>'}</td></tr>`,
      )
      .join('')}</tbody></table>`;
    parts.push(
      `<figure class="db"><figcaption><a href="${esc(pageOf(g.report || `${g.id}.md`))}">${esc(g.id)} ${esc(g.title)}</a> — ${esc(g.kind)}: ${esc(g.facts.proofs_passed ?? '?')}/${esc(g.facts.proofs_total ?? '?')} proofs, transaction ${esc(g.facts.transaction ?? '?')}, probe rows leaked ${esc(g.facts.leaked ?? '?')}</figcaption>${countsSvg(tables, series, `Row counts before, inside and after ${g.id}'s transaction`)}${table}</figure>`,
    );
  }
  const snaps = gates.filter((x) => x.kind === 'pg-snapshot' && x.facts?.counts && typeof x.facts.counts === 'object');
  if (snaps.length) {
    const tables = [...new Set(snaps.flatMap((g) => Object.keys(g.facts.counts as object)))];
    const classes = ['s-before', 's-after', 's-inside', 's-snap'];
    const series: CountSeries[] = snaps.map((g, i) => ({
      name: `${g.id} ${g.title}`.slice(0, 22),
      cls: classes[Math.min(i, 3)],
      values: g.facts.counts as Record<string, number>,
    }));
    const table = `<table class="data"><caption>Row counts per snapshot gate</caption><thead><tr><th scope="col">Table</th>${snaps.map((g) => `<th scope="col" class="num">${esc(g.id)}</th>`).join('')}<th scope="col">Same in all</th></tr></thead><tbody>${tables
      .map((t) => {
        const vals = snaps.map((g) => (g.facts.counts as Record<string, unknown>)[t]);
        return `<tr><th scope="row"><code>${esc(t)}</code></th>${vals.map((v) => `<td class="num">${esc(v ?? '–')}</td>`).join('')}<td>${new Set(vals.map(String)).size === 1 ? 'yes' : '<strong class="bad">NO</strong>'}</td></tr>`;
      })
      .join('')}</tbody></table>`;
    parts.push(
      `<figure class="db"><figcaption>Snapshots: ${snaps.map((g) => `<a href="${esc(pageOf(g.report || `${g.id}.md`))}">${esc(g.id)} ${esc(g.title)}</a> (${esc(g.facts.differences ?? 0)} differences)`).join(' · ')}</figcaption>${countsSvg(tables, series, 'Row counts per snapshot gate')}${table}</figure>`,
    );
  }
  return parts.length ? `<section aria-labelledby="h-db"><h2 id="h-db">Database counts</h2>${parts.join('')}</section>` : '';
}

function compareSection(r: RunEntry): string {
  const p = r.previous;
  if (!p)
    return `<section aria-labelledby="h-cmp"><h2 id="h-cmp">Compared with the previous ${esc(r.macroId)} run</h2><p class="muted">This is the first ${esc(r.macroId)} run in this reports dir.</p></section>`;
  const rows: string[] = [];
  const row = (what: string, before: string, after: string) =>
    rows.push(`<tr><th scope="row">${what}</th><td>${before}</td><td>${after}</td></tr>`);
  if (p.outcomeText !== r.outcomeText)
    row('outcome', `${outcomeBadge(p.outcomeCode)} ${esc(p.outcomeText)}`, `${outcomeBadge(r.outcomeCode)} ${esc(r.outcomeText)}`);
  if (p.badge.text !== r.badge.text) row('bundle', esc(p.badge.text), esc(r.badge.text));
  if (p.criteriaYes !== r.criteriaYes || p.criteriaTotal !== r.criteriaTotal)
    row('criteria YES', `${p.criteriaYes}/${p.criteriaTotal}`, `${r.criteriaYes}/${r.criteriaTotal}`);
  const prevGates = new Map((p.record?.gates ?? []).map((g) => [g.id, g]));
  const curGates = new Map((r.record?.gates ?? []).map((g) => [g.id, g]));
  for (const [id, g] of curGates) {
    const o = prevGates.get(id);
    if (!o) row(`gate ${esc(id)}`, '<span class="muted">not in that run</span>', statusBadge(g.status));
    else {
      if (o.status !== g.status) row(`gate ${esc(id)} ${esc(g.title)}`, statusBadge(o.status), statusBadge(g.status));
      const a = numericFacts(o);
      const b = numericFacts(g);
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
        if (a[k] !== b[k]) row(`${esc(id)}.${esc(k)}`, esc(a[k] ?? '–'), esc(b[k] ?? '–'));
      const ca = gateCounts(o);
      const cb = gateCounts(g);
      for (const t of new Set([...Object.keys(ca), ...Object.keys(cb)]))
        for (const s of new Set([...Object.keys(ca[t] ?? {}), ...Object.keys(cb[t] ?? {})]))
          if (ca[t]?.[s] !== cb[t]?.[s])
            row(`${esc(id)} count <code>${esc(t)}</code> ${esc(s)}`, esc(ca[t]?.[s] ?? '–'), esc(cb[t]?.[s] ?? '–'));
    }
  }
  for (const [id, o] of prevGates)
    if (!curGates.has(id)) row(`gate ${esc(id)}`, statusBadge(o.status), '<span class="muted">not in this run</span>');
  const link = `<a href="${esc(href(ROOT, 'runs', ...p.slug, 'index.html'))}">${esc(p.runId)}</a>`;
  return `<section aria-labelledby="h-cmp"><h2 id="h-cmp">Compared with the previous ${esc(r.macroId)} run</h2>${
    rows.length
      ? `<table class="data"><caption>What changed since ${link}</caption><thead><tr><th scope="col">What</th><th scope="col">${esc(p.runId)}</th><th scope="col">this run</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
      : `<p>Same outcome, gate statuses, numeric facts and counts as ${link}.</p>`
  }</section>`;
}

function ledgerSection(r: RunEntry): string {
  if (!r.ledger.length)
    return `<section aria-labelledby="h-ledger"><h2 id="h-ledger">Ledger</h2><p class="muted">No ledger.jsonl in this bundle.</p></section>`;
  const body = r.ledger
    .map((e) => {
      const target = String(e.target ?? '');
      const first = target.split('\n')[0];
      const shown =
        target.length > 110 || target.includes('\n')
          ? `<details><summary><code>${esc(first.slice(0, 100))}…</code></summary><pre>${esc(target)}</pre></details>`
          : `<code>${esc(target)}</code>`;
      const logs = logsForEntry(r, e)
        .map((l) => `<a href="${esc(logPage(l).split('/').map(encodeURIComponent).join('/'))}">log</a>`)
        .join(' ');
      const d = e.detail ?? {};
      const dur = typeof d.durationMs === 'number' ? fmtMs(d.durationMs) : '';
      return `<tr id="ledger-${esc(e.seq)}"><th scope="row" class="num">${esc(e.seq)}</th><td>${esc(String(e.time ?? '').slice(11, 23))}</td><td>${esc(e.gate ?? '—')}</td><td>${esc(e.action)}</td><td class="tgt">${shown}</td><td>${esc(e.host ?? '')}</td><td>${e.mutating ? '<strong>yes</strong>' : 'no'}</td><td>${esc(e.outcome ?? '')}${typeof d.exitCode === 'number' ? ` (exit ${esc(d.exitCode)})` : ''}</td><td class="num">${esc(dur)}</td><td>${logs}</td></tr>`;
    })
    .join('');
  return `<section aria-labelledby="h-ledger"><h2 id="h-ledger">Ledger</h2><div class="scroll"><table class="data ledger"><caption>${r.ledger.length} ledger entries (ledger.jsonl)${r.logs.length ? '; full logs linked where the bundle has them' : ''}</caption><thead><tr><th scope="col" class="num">#</th><th scope="col">Time (UTC)</th><th scope="col">Gate</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Host</th><th scope="col">Mutating</th><th scope="col">Outcome</th><th scope="col" class="num">Duration</th><th scope="col">Log</th></tr></thead><tbody>${body}</tbody></table></div></section>`;
}

function verifyNotice(r: RunEntry): string {
  if (r.badge.kind === 'verified') return '';
  const items = r.verify.problems.map((p) => `<li>${esc(p.message)}</li>`).join('');
  const lead =
    r.badge.kind === 'unsigned'
      ? 'This run is unsigned: nothing proves these files are the ones the run wrote.'
      : r.badge.kind === 'untrusted'
        ? 'This run is signed by a key this site was not told to trust.'
        : 'This bundle does not verify: what this page shows may have been altered after the run.';
  return `<div class="alert alert-${esc(r.badge.kind)}" role="alert"><strong>${esc(r.badge.text)}</strong> — ${esc(lead)}<ul>${items}</ul></div>`;
}

/** The run page and its report and log pages, as site files. */
export function renderRun(r: RunEntry): SiteFile[] {
  const base = `runs/${r.slug.join('/')}/`;
  const files: SiteFile[] = [];
  const rec = r.record;
  const mdFiles = reportFiles(r.dir);
  const finalFile = rec?.files?.final && mdFiles.includes(rec.files.final) ? rec.files.final : null;
  const links: ReportLinks = { byNumber: new Map(), byFile: new Map() };
  for (const f of mdFiles) {
    const target = f === finalFile ? 'index.html#final-report' : encodeURIComponent(pageOf(f));
    links.byFile.set(f, target);
    const num = /^(\d{2,3})-/.exec(f)?.[1];
    if (num) links.byNumber.set(num, target);
  }
  const render = createMarkdown(links);
  const gates = rec?.gates ?? [];
  const title = `${r.macroId} ${r.runId}`;
  const crumbs: [string, string | null][] = [
    ['Runs', `${ROOT}index.html`],
    [r.macroId, `${ROOT}macro/${encodeURIComponent(safeSegment(r.macroId))}.html`],
    [r.runId, null],
  ];
  const footer = `Built by gaterun view from <code>${esc(r.dir)}</code>.`;

  // One page per report (the final report is on the run page itself).
  mdFiles.forEach((f, i) => {
    if (f === finalFile) return;
    const g = gates.find((x) => x.report === f);
    const prev = mdFiles[i - 1];
    const next = mdFiles[i + 1];
    const nav = `<nav class="pager" aria-label="Reports">${prev && prev !== finalFile ? `<a rel="prev" href="${esc(encodeURIComponent(pageOf(prev)))}">← ${esc(prev)}</a>` : '<span></span>'}<a href="index.html">run overview</a>${next ? `<a rel="next" href="${esc(links.byFile.get(next)!)}">${esc(next)} →</a>` : '<span></span>'}</nav>`;
    const head = g
      ? `<p class="gatehead">${statusBadge(g.status)} <strong>${esc(g.id)}</strong> · ${esc(g.kind)} · host ${esc(g.host ?? 'local')} · ${esc(fmtMs(g.durationMs))}</p>`
      : '';
    files.push({
      path: `${base}${pageOf(f)}`,
      content: page({
        title: `${f} · ${title}`,
        root: ROOT,
        crumbs: [...crumbs.slice(0, 2), [r.runId, 'index.html'], [f, null]],
        body: `${verifyNotice(r)}${head}${nav}<article class="report">${render(readFileSync(join(r.dir, f), 'utf8'), /^(\d{2,3})-/.exec(f)?.[1])}</article>${nav}`,
        footer,
      }),
    });
  });

  for (const l of r.logs) {
    const text = readFileSync(join(r.dir, 'logs', l));
    const shown =
      text.length > 4_000_000
        ? `${text.subarray(0, 4_000_000).toString('utf8')}\n… (${text.length} bytes; cut here)`
        : text.toString('utf8');
    files.push({
      path: `${base}${logPage(l)}`,
      content: page({
        title: `logs/${l} · ${title}`,
        root: `${ROOT}../`,
        crumbs: [
          ['Runs', `${ROOT}../index.html`],
          [r.runId, '../index.html'],
          [`logs/${l}`, null],
        ],
        body: `${verifyNotice(r)}<h1>logs/${esc(l)}</h1><pre class="log">${esc(shown)}</pre>`,
        footer,
      }),
    });
  }

  const rollup = gates.length
    ? `<div class="scroll"><table class="data rollup"><caption>Gate roll-up: ${r.gatesPass}/${r.gatesTotal} PASS${r.gatesAfter ? `, ${r.gatesAfter} after signing` : ''}</caption><thead><tr><th scope="col">Gate</th><th scope="col">Title</th><th scope="col">Kind</th><th scope="col">Outcome</th><th scope="col" class="num">Duration</th><th scope="col">Summary</th></tr></thead><tbody>${gates
        .map((g) => {
          const link =
            g.report && mdFiles.includes(g.report) ? `<a href="${esc(links.byFile.get(g.report)!)}">${esc(g.title)}</a>` : esc(g.title);
          return `<tr class="row-${esc(String(g.status).toLowerCase())}"><th scope="row">${esc(g.id)}</th><td>${link}</td><td>${esc(g.kind)}</td><td>${statusBadge(g.status)}</td><td class="num">${g.startedAt ? esc(fmtMs(g.durationMs)) : '–'}</td><td class="summary">${esc(g.summary || g.reason || '')}</td></tr>`;
        })
        .join('')}</tbody></table></div>`
    : '';
  const criteria = rec?.criteria?.length
    ? `<section aria-labelledby="h-crit"><h2 id="h-crit">PASS criteria: ${r.criteriaYes}/${r.criteriaTotal} YES</h2><ul class="criteria">${rec.criteria
        .map(
          (c) =>
            `<li><span class="yn ${c.met ? 'yes' : 'no'}">${c.met ? 'YES' : 'NO'}</span> <code>${esc(c.name)}</code> <span class="muted">${esc(c.evidence)}</span></li>`,
        )
        .join('')}</ul></section>`
    : '';
  const fo = rec?.final_outcome ? stringify(rec.final_outcome, { lineWidth: 0 }) : '';
  const outcomeBlock = fo
    ? `<section aria-labelledby="h-fo" class="fo"><h2 id="h-fo">Final-outcome block</h2><div class="fo-wrap"><button type="button" class="copy" data-copy="fo-text" hidden>Copy</button><pre id="fo-text" tabindex="0"><code>${esc(fo)}</code></pre></div></section>`
    : '';
  const stopped = rec?.outcome?.stopped_at ? ` at ${esc(rec.outcome.stopped_at)}` : '';
  const predecessor = r.predecessor
    ? `<p>Verified predecessor (${esc(r.predecessor.gate)}): ${
        r.predecessor.entry
          ? `<a href="${esc(href(ROOT, 'runs', ...r.predecessor.entry.slug, 'index.html'))}">${esc(r.predecessor.macro)} ${esc(r.predecessor.runId)}</a>`
          : `${esc(r.predecessor.macro)} ${esc(r.predecessor.runId)} <span class="muted">(not in this reports dir)</span>`
      } — ${r.predecessor.verified ? 'its bundle verified when this run started' : '<strong class="bad">its bundle did not verify</strong>'}</p>`
    : '';
  const logsList = r.logs.length
    ? `<section aria-labelledby="h-logs"><h2 id="h-logs">Logs</h2><ul>${r.logs.map((l) => `<li><a href="${esc(logPage(l).split('/').map(encodeURIComponent).join('/'))}">logs/${esc(l)}</a></li>`).join('')}</ul></section>`
    : '';
  const finalHtml = finalFile
    ? `<section aria-labelledby="final-report" class="report-section"><h2 id="final-report">Final report <span class="muted">(${esc(finalFile)})</span></h2><article class="report">${render(readFileSync(join(r.dir, finalFile), 'utf8'), /^(\d{2,3})-/.exec(finalFile)?.[1])}</article></section>`
    : '';
  const reportsList = mdFiles.length
    ? `<nav aria-label="Reports of this run" class="reports"><h2>Reports</h2><ul>${mdFiles.map((f) => `<li><a href="${esc(links.byFile.get(f)!)}">${esc(f)}</a></li>`).join('')}</ul></nav>`
    : '';
  const body = `${verifyNotice(r)}
<h1>${outcomeBadge(r.outcomeCode, r.outcomeText)} ${esc(r.macroId)} <span class="runid">${esc(r.runId)}</span></h1>
<p class="lede">${esc(rec?.macro?.title ?? '')}</p>
<dl class="facts">
<div class="wide"><dt>Outcome</dt><dd>${esc(r.outcomeText)}</dd></div>
<div><dt>Gates</dt><dd>${r.gatesPass}/${r.gatesTotal} PASS${r.gatesAfter ? ` (+${r.gatesAfter} after signing)` : ''}</dd></div>
<div><dt>Criteria</dt><dd>${r.criteriaYes}/${r.criteriaTotal} YES</dd></div>
<div class="wide"><dt>Bundle</dt><dd>${verifyBadgeHtml(r)}</dd></div>
<div><dt>Started (UTC)</dt><dd>${esc(
    String(rec?.started_at ?? '')
      .replace('T', ' ')
      .slice(0, 19),
  )}</dd></div>
<div><dt>Target · host</dt><dd>${esc(rec?.target?.name ?? '')} · ${esc(rec?.host ?? '')}</dd></div>
</dl>
${rec?.outcome?.reason ? `<p class="reason"><strong>Why${stopped}:</strong> ${esc(rec.outcome.reason)}</p>` : ''}
${r.error ? `<p class="alert alert-invalid">${esc(r.error)}</p>` : ''}
${predecessor}
<section aria-labelledby="h-rollup"><h2 id="h-rollup">Gates</h2>${rollup}
<figure class="timeline"><figcaption>Timeline: when each gate ran and how long it took</figcaption>${timelineSvg(
    gates.map((g) => ({ ...g })),
    `Timeline of ${gates.length} gates`,
  )}</figure></section>
${outcomeBlock}
${criteria}
${dbSection(r)}
${compareSection(r)}
${reportsList}
${finalHtml}
${ledgerSection(r)}
${logsList}`;
  files.push({ path: `${base}index.html`, content: page({ title, root: ROOT, crumbs, body, footer }) });
  return files;
}
