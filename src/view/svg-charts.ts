// Inline SVG charts (no script, no external resources): the gate timeline and database counts.
import { esc, fmtMs } from './html.js';

export interface TimelineGate {
  id: string;
  title: string;
  status: string;
  startedAt: string | null;
  durationMs: number;
  href?: string;
}

/** Round tick values (1, 2 or 5 × 10^n ms) from 0 up to max, about five of them. */
function niceTicks(max: number): number[] {
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) out.push(t);
  return out;
}

const STATUS_CLASS = (s: string) => `bar-${s.toLowerCase().replace(/[^a-z_]/g, '')}`;

/** A Gantt-like timeline: one bar per gate that ran, placed at its start, as long as it took. */
export function timelineSvg(gates: TimelineGate[], label: string): string {
  const ran = gates.filter((g) => g.startedAt && Number.isFinite(Date.parse(g.startedAt)));
  if (!ran.length) return '<p class="muted">No gate ran, so there is no timeline.</p>';
  const t0 = Math.min(...ran.map((g) => Date.parse(g.startedAt!)));
  const end = Math.max(...ran.map((g) => Date.parse(g.startedAt!) - t0 + Math.max(0, g.durationMs)), 1);
  const W = 760;
  const left = 64;
  const right = 70;
  const row = 20;
  const top = 22;
  const H = top + ran.length * row + 8;
  const x = (ms: number) => left + (ms / end) * (W - left - right);
  const ticks = niceTicks(end)
    .map((t) => {
      const tx = x(t);
      return `<line class="tick" x1="${tx.toFixed(1)}" y1="${top - 4}" x2="${tx.toFixed(1)}" y2="${H - 6}"/><text class="axis" x="${tx.toFixed(1)}" y="12" text-anchor="middle">${esc(fmtMs(t))}</text>`;
    })
    .join('');
  const bars = ran
    .map((g, i) => {
      const start = Date.parse(g.startedAt!) - t0;
      const y = top + i * row;
      const bx = x(start);
      const bw = Math.max(2, x(start + Math.max(0, g.durationMs)) - bx);
      const tip = `${g.id} ${g.title}: ${g.status}, ${fmtMs(g.durationMs)} (started at +${fmtMs(start)})`;
      const bar = `<rect class="bar ${STATUS_CLASS(g.status)}" x="${bx.toFixed(1)}" y="${y + 3}" width="${bw.toFixed(1)}" height="${row - 6}" rx="2"><title>${esc(tip)}</title></rect>`;
      const name = `<text class="lbl" x="${left - 6}" y="${y + row / 2 + 4}" text-anchor="end">${esc(g.id)}</text>`;
      const dur = `<text class="val" x="${(bx + bw + 4).toFixed(1)}" y="${y + row / 2 + 4}">${esc(fmtMs(g.durationMs))}</text>`;
      return `<g>${name}${bar}${dur}</g>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(label)}" preserveAspectRatio="xMinYMin meet">${ticks}${bars}</svg>`;
}

export interface CountSeries {
  name: string;
  /** CSS class for the colour: before | inside | after | snap. */
  cls: string;
  values: Record<string, number | null | undefined>;
}

/** Grouped horizontal bars: for each table, one bar per series (e.g. before / inside the transaction / after). */
export function countsSvg(tables: string[], series: CountSeries[], label: string): string {
  if (!tables.length || !series.length) return '';
  const W = 760;
  const left = 230;
  const right = 60;
  const bar = 12;
  const gap = 12;
  const legendH = 22;
  const group = series.length * bar + gap;
  const H = legendH + tables.length * group + 4;
  const max = Math.max(1, ...tables.flatMap((t) => series.map((s) => Number(s.values[t] ?? 0))));
  const x = (v: number) => (v / max) * (W - left - right);
  const legend = series
    .map((s, i) => {
      const lx = left + i * 150;
      return `<rect class="sw ${esc(s.cls)}" x="${lx}" y="4" width="12" height="12"/><text class="axis" x="${lx + 16}" y="14">${esc(s.name)}</text>`;
    })
    .join('');
  const groups = tables
    .map((t, ti) => {
      const y0 = legendH + ti * group;
      const name = `<text class="lbl" x="${left - 8}" y="${y0 + (series.length * bar) / 2 + 4}" text-anchor="end">${esc(t.length > 34 ? `…${t.slice(-33)}` : t)}<title>${esc(t)}</title></text>`;
      const bars = series
        .map((s, si) => {
          const v = s.values[t];
          const y = y0 + si * bar;
          if (v === null || v === undefined)
            return `<text class="val" x="${left + 2}" y="${y + bar - 2}">${esc(s.name)}: not measured</text>`;
          const w = Math.max(1, x(Number(v)));
          return `<rect class="bar ${esc(s.cls)}" x="${left}" y="${y + 1}" width="${w.toFixed(1)}" height="${bar - 2}"><title>${esc(`${t} ${s.name}: ${v}`)}</title></rect><text class="val" x="${(left + w + 4).toFixed(1)}" y="${y + bar - 2}">${esc(v)}</text>`;
        })
        .join('');
      return `<g>${name}${bars}</g>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(label)}" preserveAspectRatio="xMinYMin meet">${legend}${groups}</svg>`;
}
