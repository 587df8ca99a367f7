// Renders the numbered gate reports and the final roll-up through Handlebars templates (strict: no unfilled field).
import { textOf } from '../text.js';
import type HandlebarsModule from 'handlebars';
import { createRequire } from 'node:module';
import { stringify } from 'yaml';
import type { Evidence } from '../gate.js';
import { packagePath } from '../paths.js';
import type { GateRecord, RunRecord } from '../runner/types.js';
import { PRECOMPILED_FILE, precompiledFresh, TEMPLATE_OPTIONS, templateFiles } from './template-files.js';

type Template = HandlebarsModule.TemplateDelegate;

/** Lower-case, dash-separated form of a free-text title, for file names (accents dropped, at most 60 characters). */
export function slug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 60)
      .replace(/^-+|-+$/g, '') || 'gate'
  );
}

/** `NN-<slug>.md` for the gate at index i. */
export function reportFileName(index: number, title: string): string {
  return `${String(index + 1).padStart(2, '0')}-${slug(title)}.md`;
}

/** `NN-final-<macro id>-report.md`, after the last gate report. */
export function finalFileName(gateCount: number, macroId: string): string {
  return `${String(gateCount + 1).padStart(2, '0')}-final-${slug(macroId)}-report.md`;
}

type HandlebarsEnv = typeof HandlebarsModule;
const require = createRequire(import.meta.url);

function registerHelpers(hb: HandlebarsEnv): HandlebarsEnv {
  hb.registerHelper('cell', (v: unknown) =>
    textOf(v)
      .replace(/\|/g, '\\|')
      .replace(/\s*\n\s*/g, ' '),
  );
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('short', (hex: string) => `${String(hex).slice(0, 16)}…`);
  hb.registerHelper('statusText', (s: string) => s.replace('_', ' '));
  hb.registerHelper('ms', (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`));
  hb.registerHelper('fence', (text: string) => {
    const longest = Math.max(2, ...[...String(text).matchAll(/`+/g)].map((m) => m[0].length));
    return '`'.repeat(longest + 1);
  });
  hb.registerHelper('yaml', (v: unknown) => stringify(v, { lineWidth: 0 }).trimEnd());
  return hb;
}

type Precompiled = Record<string, { sha256: string; spec: Parameters<HandlebarsEnv['template']>[0] }>;

/** The build's precompiled templates (dist only; from src under ts-jest there are none). */
function precompiled(): Precompiled {
  try {
    return require(`./${PRECOMPILED_FILE}`) as Precompiled;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return {};
    throw e;
  }
}

let cache: { gate: Template; final: Template; kinds: Map<string, Template>; source: 'precompiled' | 'compiled' } | undefined;

// A template whose text still has the digest the build recorded is taken precompiled (Handlebars' runtime only, no
// parser or code generator); any other text (an edited template, a dist built before it changed) is compiled here
// with the same options, by the full Handlebars loaded only then.
function load(): NonNullable<typeof cache> {
  if (cache) return cache;
  const files = templateFiles(packagePath('templates'));
  const built = precompiled();
  const fresh = precompiledFresh(files, built);
  const hb = registerHelpers(
    fresh ? (require('handlebars/runtime') as HandlebarsEnv).create() : (require('handlebars') as HandlebarsEnv).create(),
  );
  const make = (f: { name: string; text: string }): Template =>
    fresh ? hb.template(built[f.name].spec) : hb.compile(f.text, TEMPLATE_OPTIONS);
  const kinds = new Map<string, Template>();
  let gate: Template | undefined;
  let final: Template | undefined;
  for (const f of files) {
    if (f.name.startsWith('partials/')) {
      const name = f.name.slice('partials/'.length).replace(/\.md\.hbs$|\.hbs$/, '');
      // A partial source is compiled by Handlebars at first use with the calling template's options.
      hb.registerPartial(name, fresh ? make(f) : f.text);
    } else if (f.name === 'gate.md.hbs') gate = make(f);
    else if (f.name === 'final.md.hbs') final = make(f);
    else kinds.set(f.name.replace(/\.md\.hbs$/, ''), make(f));
  }
  if (!gate || !final) throw new Error(`gate.md.hbs and final.md.hbs must exist in ${packagePath('templates')}`);
  cache = { gate, final, kinds, source: fresh ? 'precompiled' : 'compiled' };
  return cache;
}

/** Whether this process renders with the build's precompiled templates or compiled them from the files. */
export function templateSource(): 'precompiled' | 'compiled' {
  return load().source;
}

const EVIDENCE_KEYS: (keyof Evidence)[] = [
  'kind',
  'title',
  'command',
  'cwd',
  'exitCode',
  'durationMs',
  'stdoutSha256',
  'stderrSha256',
  'stdoutTail',
  'stderrTail',
  'stdoutLog',
  'stderrLog',
  'sql',
  'rows',
  'path',
  'sha256',
  'text',
  'ledger',
];

/** Every evidence key present (null when absent), so strict templates can test any of them. */
function evidenceView(e: Evidence) {
  const out: Record<string, unknown> = {};
  for (const k of EVIDENCE_KEYS) out[k] = e[k] ?? null;
  out.rowsJson = e.rows ? JSON.stringify(e.rows, null, 2) : null;
  out.ledgerText = e.ledger?.length ? e.ledger.map((s) => `#${s}`).join(', ') : null;
  return out;
}

function gateView(g: GateRecord, index: number) {
  return {
    ...g,
    no: g.report ? g.report.slice(0, 2) : String(index + 1).padStart(2, '0'),
    notRun: g.status === 'NOT_RUN' || g.status === 'PENDING',
    reason: g.reason ?? null,
    notRunReason: (g.reason ?? '').replace(/^not run: /, ''),
    crash: g.crash ?? null,
    checks: g.checks.map((c) => ({ id: c.id ?? null, status: c.status, text: c.text })),
    factRows: Object.entries(g.facts).map(([k, v]) => ({ key: k, value: typeof v === 'string' ? v : JSON.stringify(v) })),
    evidence: g.evidence.map(evidenceView),
    firstLine: g.summary.split('\n')[0],
    outcomeText: outcomeText(g),
    reused: g.reused ?? null,
    rerun: g.rerun ?? null,
    attempts: g.attempts ?? null,
    inputs: Array.isArray(g.resume?.inputs) ? g.resume.inputs : null,
  };
}

/** A gate's outcome as the roll-up shows it: `PASS`, `PASS (reused from <run>, signed <keyid>)`, `FAIL (after 3 attempts)`. */
function outcomeText(g: GateRecord): string {
  const s = g.status.replace('_', ' ');
  if (g.reused) return `${s} (reused from ${g.reused.run_id}, signed ${g.reused.keyid.slice(0, 16)})`;
  if (g.attempts && g.attempts.length > 1) return `${s} (after ${g.attempts.length} attempts)`;
  return s;
}

/** Renders one gate's report. */
export function renderGateReport(run: RunRecord, index: number): string {
  const t = load();
  const g = run.gates[index];
  const data = { run, macro: run.macro, gate: gateView(g, index), gateCount: run.gates.length };
  // A kind template lays out a gate's facts; a gate that produced none (not run, crashed, could not connect) gets the default.
  const kind = t.kinds.get(g.kind);
  if (kind && Object.keys(g.facts).length && !g.crash && (g.status === 'PASS' || g.status === 'FAIL' || g.status === 'BLOCKED')) {
    try {
      return kind(data);
    } catch (e) {
      return `${t.gate(data)}\n> Note: the ${g.kind} report template could not render this result (${(e as Error).message.split('\n')[0]}); the default layout is shown. Please report this as a template bug.\n`;
    }
  }
  return t.gate(data);
}

/** On an outcome other than A the first step is the fix; the declared next macros wait for an A. */
function nextSteps(run: RunRecord): { step: string; what: string }[] {
  if (run.outcome.code === 'A') return run.next;
  const fix = {
    step: 'fix',
    what: `${run.outcome.stopped_at ?? 'the PASS criteria'}: ${(run.outcome.reason ?? run.outcome.text).split('\n')[0]}`,
  };
  return [fix, ...run.next.map((n) => ({ step: `planned, after A (${n.step})`, what: n.what }))];
}

/** One sentence computed from the run: its outcome, the PASS criteria and the production mutation finding. */
function runSummary(run: RunRecord): string {
  const met = run.criteria.filter((c) => c.met).length;
  const criteria = run.criteria.length ? `${met} of ${run.criteria.length} PASS criteria met` : 'no PASS criteria declared';
  return `This run ended ${run.outcome.text}; ${criteria}; production_mutation: ${run.final_outcome.production_mutation}.`;
}

/** Renders the final roll-up report. */
export function renderFinalReport(run: RunRecord): string {
  const t = load();
  const counts = { PASS: 0, FAIL: 0, BLOCKED: 0, NOT_RUN: 0, ABORTED: 0, PENDING: 0 } as Record<string, number>;
  for (const g of run.gates) counts[g.status]++;
  const ran = run.gates.length - counts.NOT_RUN - counts.PENDING;
  const tally = Object.entries(counts)
    .filter(([, n]) => n)
    .map(([s, n]) => `${n} ${s.replace('_', ' ')}`)
    .join(', ');
  const stop = run.gates.find((g) => g.id === run.outcome.stopped_at);
  return t.final({
    run,
    macro: run.macro,
    gates: run.gates.map(gateView),
    tally: `${ran} of ${run.gates.length} gates ran before this report: ${tally.replace('PENDING', 'to run after signing')}.`,
    stop: stop ? gateView(stop, run.gates.indexOf(stop)) : null,
    criteriaMet: run.criteria.filter((c) => c.met).length,
    criteriaAll: run.criteria.length > 0 && run.criteria.every((c) => c.met),
    hasCriteria: run.criteria.length > 0,
    residue: run.residue,
    next: nextSteps(run),
    intent: run.macro.summary,
    runSummary: runSummary(run),
    block: run.final_outcome,
    finalNo: run.files.final.slice(0, 2),
    reusedIds: run.gates
      .filter((g) => g.reused)
      .map((g) => g.id)
      .join(', '),
  });
}
