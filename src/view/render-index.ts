// The index pages: every run, the same list pre-filtered by macro and by outcome, and the O8B → O8F chain.
import type { RunEntry } from './collect-runs.js';
import { esc, href, outcomeBadge, page, safeSegment } from './html.js';
import { verifyBadgeHtml, type SiteFile } from './render-run.js';

const OUTCOMES: [string, string][] = [
  ['A', 'all PASS'],
  ['B', 'blocked'],
  ['C', 'failed'],
  ['D', 'aborted'],
];

function runHref(root: string, r: RunEntry): string {
  return href(root, 'runs', ...r.slug, 'index.html');
}

function table(runs: RunEntry[], root: string, caption: string): string {
  if (!runs.length) return `<p class="muted">No runs match.</p>`;
  const rows = runs
    .map((r) => {
      const pred = r.predecessor
        ? r.predecessor.entry
          ? `<a href="${esc(runHref(root, r.predecessor.entry))}" title="${esc(r.predecessor.runId)}">${esc(r.predecessor.macro)}</a> ${r.predecessor.verified ? '<span class="vdot v-verified">✓<span class="sr"> verified</span></span>' : '<strong class="bad">did not verify</strong>'}`
          : `<span class="muted">${esc(r.predecessor.macro)} ${esc(r.predecessor.runId)}</span>`
        : '<span class="muted">—</span>';
      return `<tr data-macro="${esc(r.macroId)}" data-outcome="${esc(r.outcomeCode)}"><td><a href="${esc(href(root, 'macro', `${safeSegment(r.macroId)}.html`))}">${esc(r.macroId)}</a></td><th scope="row"><a href="${esc(runHref(root, r))}">${esc(r.runId)}</a>${r.slug[1] !== safeSegment(r.runId) ? `<br><span class="muted dir" title="${esc(r.dir)}">dir ${esc(r.slug[1])}</span>` : ''}</th><td><time datetime="${esc(r.startedAt)}">${esc(r.startedAt.replace('T', ' ').slice(0, 19))}</time></td><td>${outcomeBadge(r.outcomeCode, r.outcomeText)} <span class="otext">${esc(r.outcomeText.replace(/^[ABCD] — /, '')).replace(/_/g, '_<wbr>')}</span></td><td class="num">${r.gatesPass}/${r.gatesTotal}</td><td class="num">${r.criteriaYes}/${r.criteriaTotal}</td><td>${verifyBadgeHtml(r)}</td><td>${pred}</td></tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table class="data runs"><caption>${esc(caption)}</caption><thead><tr><th scope="col">Macro</th><th scope="col">Run</th><th scope="col">Started (UTC)</th><th scope="col">Outcome</th><th scope="col" class="num">Gates PASS</th><th scope="col" class="num">Criteria YES</th><th scope="col">Bundle</th><th scope="col">Predecessor</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

function filters(runs: RunEntry[], root: string, current: string): string {
  const macros = [...new Set(runs.map((r) => r.macroId))].sort();
  const link = (text: string, target: string, key: string, count: number) =>
    key === current
      ? `<a aria-current="page" class="on" href="${esc(target)}">${text} <span class="n">${count}</span></a>`
      : `<a href="${esc(target)}">${text} <span class="n">${count}</span></a>`;
  const m = macros.map((id) =>
    link(esc(id), href(root, 'macro', `${safeSegment(id)}.html`), `macro:${id}`, runs.filter((r) => r.macroId === id).length),
  );
  const o = OUTCOMES.map(([c, word]) =>
    link(`${outcomeBadge(c)} ${word}`, href(root, 'outcome', `${c}.html`), `outcome:${c}`, runs.filter((r) => r.outcomeCode === c).length),
  );
  return `<nav class="filters" aria-label="Filter runs"><div><span class="flabel">Macro</span> ${link('all', `${root}index.html`, 'all', runs.length)} ${m.join(' ')}</div><div><span class="flabel">Outcome</span> ${o.join(' ')}</div></nav>`;
}

/** Chains of runs linked by the predecessor bundles they verified, longest first, each from the oldest run. */
export function chains(runs: RunEntry[]): RunEntry[][] {
  const parents = new Set(runs.map((r) => r.predecessor?.entry).filter(Boolean));
  const out: RunEntry[][] = [];
  for (const leaf of runs) {
    if (parents.has(leaf) || !leaf.predecessor) continue;
    const chain: RunEntry[] = [leaf];
    const seen = new Set([leaf]);
    let cur = leaf.predecessor.entry;
    while (cur && !seen.has(cur)) {
      chain.unshift(cur);
      seen.add(cur);
      cur = cur.predecessor?.entry;
    }
    out.push(chain);
  }
  return out.sort((a, b) => b.length - a.length || b[b.length - 1].startedAt.localeCompare(a[a.length - 1].startedAt));
}

function chainSection(runs: RunEntry[], root: string): string {
  const list = chains(runs);
  if (!list.length) return '';
  const shown = list.slice(0, 10);
  const items = shown
    .map(
      (c) =>
        `<li><ol class="chain">${c
          .map((r, i) => {
            const by = c[i + 1]?.predecessor;
            const arrow = by
              ? `<span class="arrow" title="${esc(`${c[i + 1].macroId} ${by.gate} verified this bundle${by.verified ? '' : ' — and found it did NOT verify'}`)}">${by.verified ? '→' : '⇢ ✗'}</span>`
              : '';
            return `<li><a href="${esc(runHref(root, r))}">${outcomeBadge(r.outcomeCode, r.outcomeText)} ${esc(r.macroId)}</a> <span class="vdot v-${r.badge.kind}" title="${esc(r.badge.text)}">${r.badge.kind === 'verified' ? `✓<span class="sr"> ${esc(r.badge.text)}</span>` : esc(r.badge.kind)}</span>${arrow}</li>`;
          })
          .join('')}</ol></li>`,
    )
    .join('');
  return `<section aria-labelledby="h-chain"><h2 id="h-chain">Chains of verified predecessors</h2><p class="muted">Each arrow: the next run's precheck verified the signed bundle before it (its predecessor gate's facts).</p><ul class="chains">${items}</ul>${list.length > shown.length ? `<p class="muted">and ${list.length - shown.length} more chains.</p>` : ''}</section>`;
}

function summary(runs: RunEntry[]): string {
  const count = (k: string) => runs.filter((r) => r.badge.kind === k).length;
  const bad = count('tampered');
  return `<p class="summary-line">${runs.length} run${runs.length === 1 ? '' : 's'} · ${count('verified')} verified · ${bad ? `<strong class="bad">${bad} tampered</strong>` : '0 tampered'} · ${count('unsigned')} unsigned${count('untrusted') ? ` · ${count('untrusted')} signed by an untrusted key` : ''}${count('invalid') ? ` · ${count('invalid')} invalid` : ''}</p>`;
}

/** index.html, macro/<ID>.html and outcome/<A-D>.html: the same table, filtered, readable without JavaScript. */
export function renderIndex(runs: RunEntry[], footer: string): SiteFile[] {
  const files: SiteFile[] = [];
  files.push({
    path: 'index.html',
    content: page({
      title: 'Runs',
      root: '',
      body: `<h1>Runs</h1>${summary(runs)}${filters(runs, '', 'all')}${table(runs, '', `All ${runs.length} runs, newest first`)}${chainSection(runs, '')}`,
      footer,
    }),
  });
  for (const id of [...new Set(runs.map((r) => r.macroId))]) {
    const list = runs.filter((r) => r.macroId === id);
    files.push({
      path: `macro/${safeSegment(id)}.html`,
      content: page({
        title: `${id} runs`,
        root: '../',
        crumbs: [
          ['Runs', '../index.html'],
          [id, null],
        ],
        body: `<h1>${esc(id)} runs</h1>${summary(list)}${filters(runs, '../', `macro:${id}`)}${table(list, '../', `${list.length} ${id} runs, newest first`)}`,
        footer,
      }),
    });
  }
  for (const [c, word] of OUTCOMES) {
    const list = runs.filter((r) => r.outcomeCode === c);
    files.push({
      path: `outcome/${c}.html`,
      content: page({
        title: `Outcome ${c}`,
        root: '../',
        crumbs: [
          ['Runs', '../index.html'],
          [`Outcome ${c}`, null],
        ],
        body: `<h1>Outcome ${outcomeBadge(c)} ${esc(word)}</h1>${summary(list)}${filters(runs, '../', `outcome:${c}`)}${table(list, '../', `${list.length} runs with outcome ${c}, newest first`)}`,
        footer,
      }),
    });
  }
  return files;
}
