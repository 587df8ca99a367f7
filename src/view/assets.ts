// The site's only stylesheet and script (kept as strings so the built CLI carries them; no CDN, no fonts).

/** assets/site.css: screen and print styles. */
export const SITE_CSS = `
:root { --fg:#1b1f24; --muted:#5b6570; --line:#d8dee4; --bg:#fff; --soft:#f5f7f9; --link:#0b57d0;
  --a:#1a7f37; --b:#9a6700; --c:#cf222e; --d:#57606a; --before:#6e7781; --inside:#bf8700; --after:#0969da; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--link); } a:focus-visible, button:focus-visible, summary:focus-visible, pre:focus-visible { outline:3px solid #fb8c00; outline-offset:2px; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size:13px; }
.skip { position:absolute; left:-999px; } .skip:focus { left:8px; top:8px; background:#fff; padding:4px 8px; z-index:9; }
.sr { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
header.top { display:flex; gap:18px; align-items:baseline; padding:10px 24px; border-bottom:1px solid var(--line); background:var(--soft); flex-wrap:wrap; }
.brand { font-weight:700; text-decoration:none; color:var(--fg); }
.crumbs { color:var(--muted); font-size:14px; } .crumbs a { color:var(--muted); }
main { padding:16px 24px 40px; max-width:1440px; margin:0 auto; }
footer.foot { color:var(--muted); font-size:12px; padding:12px 24px; border-top:1px solid var(--line); }
h1 { font-size:24px; margin:8px 0 4px; display:flex; align-items:center; gap:10px; flex-wrap:wrap; }
h2 { font-size:18px; margin:28px 0 8px; padding-bottom:4px; border-bottom:1px solid var(--line); }
.runid { font-weight:400; color:var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size:18px; }
.lede { margin:0 0 10px; color:var(--muted); }
.muted { color:var(--muted); } .bad { color:var(--c); }
.badge { display:inline-block; min-width:1.7em; text-align:center; font-weight:700; border-radius:4px; padding:0 6px; color:#fff; }
.outcome-A { background:var(--a); } .outcome-B { background:var(--b); } .outcome-C { background:var(--c); } .outcome-D, .outcome-X { background:var(--d); }
.st { display:inline-block; font-size:12px; font-weight:700; border-radius:3px; padding:0 6px; border:1px solid currentColor; white-space:nowrap; }
.st-pass { color:var(--a); } .st-fail { color:var(--c); } .st-blocked { color:var(--b); } .st-not_run, .st-pending, .st-aborted { color:var(--d); }
.vbadge { display:inline-block; font-size:12.5px; border-radius:12px; padding:1px 9px; border:1px solid; white-space:nowrap; }
.v-verified { color:var(--a); background:#dafbe1; border-color:#aceebb; }
.v-tampered { color:#fff; background:var(--c); border-color:var(--c); font-weight:700; white-space:normal; }
.v-unsigned, .v-untrusted, .v-invalid { color:#6e4a00; background:#fff8c5; border-color:#eac54f; }
.summary-line { margin:4px 0 12px; }
.filters { display:flex; flex-direction:column; gap:6px; margin:8px 0 14px; font-size:14px; }
.filters a { display:inline-block; padding:2px 8px; border:1px solid var(--line); border-radius:14px; text-decoration:none; margin:1px 2px; }
.filters a.on { background:var(--fg); color:#fff; border-color:var(--fg); } .filters .n { color:var(--muted); font-size:12px; } .filters a.on .n { color:#ddd; }
.flabel { display:inline-block; width:70px; color:var(--muted); }
.scroll { overflow-x:auto; }
table.data { border-collapse:collapse; width:100%; font-size:14px; margin:6px 0 12px; }
table.data caption { text-align:left; color:var(--muted); font-size:13px; padding:2px 0 6px; }
table.data th, table.data td { border-bottom:1px solid var(--line); padding:5px 8px; text-align:left; vertical-align:top; }
table.data thead th { background:var(--soft); font-weight:600; white-space:nowrap; }
table.data tbody tr:hover { background:#f6f8fa; }
table.data tbody th { font-weight:600; }
.num { text-align:right !important; font-variant-numeric: tabular-nums; }
table.runs time, table.runs th[scope=row] { white-space:nowrap; }
table.runs th[scope=row] a { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size:13px; font-weight:400; }
.otext { color:var(--muted); font-size:12px; } table.runs { font-size:13.5px; } table.runs .dir { font-size:12px; font-weight:400; }
table.runs .vbadge { white-space:nowrap; } table.runs .v-tampered { white-space:normal; }
td.summary { color:#30363d; max-width:560px; overflow-wrap:anywhere; }
tr.row-fail td, tr.row-fail th { background:#ffebe9; } tr.row-blocked td, tr.row-blocked th { background:#fff8c5; }
td.tgt { max-width:520px; overflow-wrap:anywhere; } td.tgt pre { white-space:pre-wrap; margin:4px 0; }
table.ledger { font-size:13px; }
dl.facts { display:grid; grid-template-columns:repeat(auto-fill,minmax(170px,1fr)); gap:8px 16px; margin:10px 0; }
dl.facts div { border:1px solid var(--line); border-radius:6px; padding:6px 10px; background:var(--soft); }
dl.facts div.wide { grid-column:span 2; }
dl.facts dt { font-size:12px; color:var(--muted); } dl.facts dd { margin:0; font-weight:600; overflow-wrap:anywhere; }
.reason { background:#ffebe9; border-left:4px solid var(--c); padding:8px 12px; }
.alert { border-radius:6px; padding:10px 14px; margin:8px 0 12px; }
.alert ul { margin:6px 0 0; }
.alert-tampered { background:#ffebe9; border:2px solid var(--c); }
.alert-unsigned, .alert-untrusted, .alert-invalid { background:#fff8c5; border:1px solid #eac54f; }
.fo-wrap { position:relative; }
.fo pre { background:#0d1117; color:#e6edf3; padding:12px 14px; border-radius:6px; overflow-x:auto; margin:0; }
button.copy { position:absolute; top:8px; right:8px; font:inherit; font-size:13px; padding:2px 10px; border-radius:4px; border:1px solid #8b949e; background:#21262d; color:#e6edf3; cursor:pointer; }
figure { margin:10px 0 18px; } figcaption { font-size:13px; color:var(--muted); margin-bottom:4px; }
svg.chart { max-width:900px; display:block; font-size:11px; }
svg .tick { stroke:#eaeef2; } svg .axis, svg .val { fill:var(--muted); } svg .lbl { fill:var(--fg); font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
svg .bar-pass { fill:var(--a); } svg .bar-fail { fill:var(--c); } svg .bar-blocked { fill:var(--b); } svg .bar-aborted, svg .bar-not_run, svg .bar-pending { fill:var(--d); }
svg .s-before { fill:var(--before); } svg .s-inside { fill:var(--inside); } svg .s-after { fill:var(--after); } svg .s-snap { fill:#8250df; }
figure.db table.data { max-width:900px; }
ul.criteria { list-style:none; padding:0; } ul.criteria li { padding:3px 0; border-bottom:1px dashed var(--line); overflow-wrap:anywhere; }
.yn { display:inline-block; width:3.2em; text-align:center; font-weight:700; font-size:12px; border-radius:3px; color:#fff; }
.yn.yes { background:var(--a); } .yn.no { background:var(--c); }
nav.reports ul { columns:3; font-size:14px; list-style:none; padding:0; } nav.reports h2 { font-size:18px; }
article.report { border:1px solid var(--line); border-radius:6px; padding:4px 20px 12px; overflow-wrap:anywhere; }
article.report h1 { font-size:21px; } article.report h2 { font-size:17px; }
article.report pre { background:var(--soft); padding:10px; overflow-x:auto; border-radius:4px; white-space:pre-wrap; }
article.report table { border-collapse:collapse; font-size:13.5px; margin:8px 0; display:block; overflow-x:auto; }
article.report th, article.report td { border:1px solid var(--line); padding:4px 8px; vertical-align:top; }
article.report th { background:var(--soft); }
.nolink { text-decoration:underline dotted; }
.gatehead { font-size:15px; }
.pager { display:flex; justify-content:space-between; margin:10px 0; font-size:14px; }
pre.log { background:var(--soft); padding:10px; white-space:pre-wrap; overflow-wrap:anywhere; }
ul.chains { list-style:none; padding:0; } ol.chain { list-style:none; padding:0; margin:6px 0; display:flex; flex-wrap:wrap; gap:4px; align-items:center; }
ol.chain li { display:flex; align-items:center; gap:4px; } ol.chain a { text-decoration:none; border:1px solid var(--line); border-radius:14px; padding:2px 10px 2px 3px; font-weight:600; }
.arrow { color:var(--muted); font-size:18px; padding:0 4px; } .vdot.v-verified { color:var(--a); border:0; background:none; } .vdot { font-weight:700; font-size:12px; border-radius:10px; padding:0 6px; }
.quick { margin:0 0 8px; } .quick input { font:inherit; padding:3px 8px; width:min(340px,100%); }
@media print {
  header.top, .filters, button.copy, .skip, .pager, .quick { display:none !important; }
  main { max-width:none; padding:0; } body { font-size:11pt; }
  a { color:inherit; text-decoration:none; }
  .fo pre { background:#fff; color:#000; border:1px solid #999; }
  .badge, .yn, .v-tampered { -webkit-print-color-adjust:exact; print-color-adjust:exact; }
  table.data tr, figure, .alert { break-inside:avoid; }
  .scroll { overflow:visible; }
  h2 { break-after:avoid; }
}
`;

/** assets/site.js: progressive enhancement only (copy button, quick filter); every page works without it. */
export const SITE_JS = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('button.copy[data-copy]').forEach(function (btn) {
    var src = document.getElementById(btn.getAttribute('data-copy'));
    if (!src) return;
    btn.hidden = false;
    btn.setAttribute('aria-label', 'Copy the final-outcome block');
    btn.addEventListener('click', function () {
      var text = src.textContent;
      var done = function (ok) { btn.textContent = ok ? 'Copied' : 'Select and copy'; setTimeout(function () { btn.textContent = 'Copy'; }, 1800); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback()); });
      else done(fallback());
      function fallback() {
        var range = document.createRange(); range.selectNodeContents(src);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        try { return document.execCommand('copy'); } catch (e) { return false; }
      }
    });
  });
  var table = document.querySelector('table.runs');
  if (table && table.tBodies[0].rows.length > 8) {
    var box = document.createElement('p'); box.className = 'quick';
    var label = document.createElement('label'); label.textContent = 'Quick filter: ';
    var input = document.createElement('input'); input.type = 'search'; input.placeholder = 'run id, macro, outcome, badge…';
    label.appendChild(input); box.appendChild(label); table.parentNode.parentNode.insertBefore(box, table.parentNode);
    input.addEventListener('input', function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) { tr.hidden = q !== '' && tr.textContent.toLowerCase().indexOf(q) < 0; });
    });
  }
});
`;

/** assets/favicon.svg: a green check on a dark square (a local file, so no browser asks the network or the server for one). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1b1f24"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#3fb950" stroke-width="2" fill="none"/></svg>
`;
