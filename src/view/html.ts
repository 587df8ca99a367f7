// HTML building blocks of the web view: escaping, safe URL segments, the page shell with its CSP, badges.

const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPABLE = /[&<>"']/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double-quoted attribute values. */
export function esc(value: unknown): string {
  let text = '';
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = `${value}`;
  else if (value !== null && value !== undefined) text = JSON.stringify(value) ?? '';
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPABLE, (c) => ENTITIES[c]) : text;
}

/** A file-system and URL safe name for a path segment taken from the reports dir (never `.`/`..`). */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || /^\.+$/.test(s) ? `_${s}` : s;
}

/** An href built from already-safe segments, relative to the page (`prefix` climbs back to the site root). */
export function href(prefix: string, ...segments: string[]): string {
  return prefix + segments.map((s) => encodeURIComponent(s)).join('/');
}

/**
 * The Content-Security-Policy of every page: nothing from the network, no inline script or style; only the
 * site's own assets/site.css and assets/site.js. Served pages get the same policy as a header.
 */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'";

/** The policy sent as an HTTP header by `serve` (frame-ancestors works only there, not in a meta element). */
export const CSP_HEADER = `${CSP}; frame-ancestors 'none'`;

/** The page shell: head with CSP and local assets, a skip link, header navigation, main and footer. */
export function page(o: { title: string; root: string; body: string; crumbs?: [string, string | null][]; footer?: string }): string {
  const crumbs = (o.crumbs ?? [])
    .map(([text, link]) => (link ? `<a href="${esc(link)}">${esc(text)}</a>` : `<span aria-current="page">${esc(text)}</span>`))
    .join(' <span aria-hidden="true">›</span> ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(o.title)} · gaterun</title>
<link rel="icon" href="${esc(o.root)}assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${esc(o.root)}assets/site.css">
<script src="${esc(o.root)}assets/site.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="${esc(o.root)}index.html">gaterun runs</a>${crumbs ? `<nav aria-label="Breadcrumb" class="crumbs">${crumbs}</nav>` : ''}</header>
<main id="main">
${o.body}
</main>
<footer class="foot">${o.footer ?? ''}</footer>
</body>
</html>
`;
}

/** Coloured badge for an outcome letter (A/B/C/D) with its meaning for screen readers and tooltips. */
export function outcomeBadge(code: string, text?: string): string {
  const meaning: Record<string, string> = { A: 'all gates pass', B: 'blocked', C: 'failed', D: 'aborted' };
  const c = /^[ABCD]$/.test(code) ? code : 'X';
  return `<span class="badge outcome-${c}" title="${esc(text ?? meaning[c] ?? 'unknown')}"><span class="sr">outcome </span>${esc(code || '?')}</span>`;
}

/** Badge for a gate status (PASS, FAIL, BLOCKED, NOT_RUN, ABORTED, PENDING). */
export function statusBadge(status: string): string {
  return `<span class="st st-${esc(
    String(status)
      .toLowerCase()
      .replace(/[^a-z_]/g, ''),
  )}">${esc(String(status).replace('_', ' '))}</span>`;
}

/** Formats milliseconds as `12 ms`, `1.4 s` or `2 min 3 s`. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}
