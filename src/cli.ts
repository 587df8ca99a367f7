#!/usr/bin/env node
// The gaterun command line: the only place that prints results and picks exit codes.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GaterunError, isGaterunError } from './errors.js';

const EXIT = { A: 0, C: 1, usage: 2, B: 3, D: 130, crash: 70 } as const;

const HELP: Record<string, string> = {
  main: `gaterun — run change macros as gates and leave computed, numbered reports

Usage: gaterun <command> [options]

Commands:
  list                         macros with id, title and gate count
  plan <macro>                 check a macro and print its gates; runs nothing
  run <macro-id|file.yaml>     run a macro and write its reports
  outcome <run-dir>            print a run's final-outcome block
  demo                         run the example macro against this repository

Options:
  -h, --help                   help for a command (gaterun run --help)
  -v, --version                print the version

Exit codes: 0 A (all PASS) · 1 C (a gate failed) · 2 usage or config error · 3 B (blocked) · 130 D (aborted)`,
  list: `Usage: gaterun list

Lists the macros in macros/ (or $GATERUN_MACROS) with id, title and gate count.`,
  plan: `Usage: gaterun plan <macro-id|file.yaml> [--target FILE]

Checks the whole macro (syntax, schema, gate kinds, params, references) and prints its gates.
Nothing runs. Exit 2 with every problem listed when the macro is invalid.`,
  run: `Usage: gaterun run <macro-id|file.yaml> [options]

Runs the gates in order and stops at the first that does not pass; the rest are NOT RUN.
Writes numbered reports, the final report, run.json and ledger.jsonl, then prints the
final-outcome block.

Options:
  --target FILE        the system under change (hosts, paths, databases); default: this machine
  --out DIR            run directory (default reports/<MACRO-ID>/<run-id>)
  --renderer R         progress display: default | simple | verbose | silent
                       (default on a terminal, simple otherwise)
  --json               print only the final outcome as JSON on stdout (progress goes to stderr)

Exit codes: 0 A · 1 C · 2 usage/config · 3 B · 130 D (SIGINT/SIGTERM)`,
  outcome: `Usage: gaterun outcome <run-dir> [--json]

Prints the final-outcome block of a finished run (from its run.json).`,
  demo: `Usage: gaterun demo [--out DIR] [--renderer R] [--json]

Runs the SELFCHECK example macro against this repository (examples/selfcheck/target.yaml)
and prints its final-outcome block.`,
};

interface Parsed { values: Record<string, string | boolean | undefined>; positionals: string[] }

function parse(argv: string[], options: ParseArgsConfig['options']): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    throw new GaterunError('EUSAGE', (e as Error).message.split('\n')[0], 'see `gaterun --help`');
  }
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

async function loadTargetFor(file: string | undefined) {
  const { loadTarget, defaultTarget } = await import('./target/load-target.js');
  return file ? loadTarget(file) : defaultTarget();
}

function pickRenderer(value: string | boolean | undefined): 'default' | 'simple' | 'verbose' | 'silent' {
  if (value === undefined) return process.stdout.isTTY ? 'default' : 'simple';
  if (!['default', 'simple', 'verbose', 'silent'].includes(String(value))) throw new GaterunError('EUSAGE', `--renderer ${value}: expected default, simple, verbose or silent`);
  return value as 'default';
}

async function cmdList(argv: string[]): Promise<number> {
  const a = parse(argv, {});
  if (a.values.help) return (out(HELP.list), 0);
  const { listMacros, macrosDir } = await import('./macro/load-macro.js');
  const macros = listMacros();
  if (!macros.length) return (out(`no macros in ${macrosDir()}`), 0);
  const w = Math.max(2, ...macros.map((m) => m.id.length));
  out(`${'ID'.padEnd(w)}  GATES  TITLE`);
  for (const m of macros) out(`${m.id.padEnd(w)}  ${String(m.gates).padStart(5)}  ${m.title}${m.error ? `  (invalid: ${m.error})` : ''}`);
  return 0;
}

async function cmdPlan(argv: string[]): Promise<number> {
  const a = parse(argv, { target: { type: 'string' } });
  if (a.values.help) return (out(HELP.plan), 0);
  if (a.positionals.length !== 1) throw new GaterunError('EUSAGE', 'plan needs exactly one macro id or file', 'gaterun plan O8C');
  const { findMacroFile, loadMacro } = await import('./macro/load-macro.js');
  const target = await loadTargetFor(a.values.target as string | undefined);
  const loaded = loadMacro(findMacroFile(a.positionals[0]), target);
  const m = loaded.macro;
  out(`${m.id} — ${m.title}\nmacro: ${m.macro}\noutcome when all pass: A — ${m.outcome}\nmutation: ${m.mutation}\nfile: ${loaded.file} (sha256 ${loaded.sha256.slice(0, 16)})\n`);
  const { reportFileName } = await import('./report/render-report.js');
  m.gates.forEach((g, i) => out(`  ${g.id.padEnd(4)} ${g.kind.padEnd(16)} ${reportFileName(i, g.title).padEnd(36)} host ${g.host ?? m.host ?? 'local'} · timeout ${g.timeout ?? 600}s`));
  out(`\n${m.gates.length} gates, ${m.criteria.length} PASS criteria, ${m.forbidden.length} forbidden actions. The macro is valid; nothing was run.`);
  return 0;
}

async function cmdRun(argv: string[], fixed?: { macro: string; target: string }): Promise<number> {
  const a = parse(argv, { target: { type: 'string' }, out: { type: 'string' }, renderer: { type: 'string' }, json: { type: 'boolean' } });
  if (a.values.help) return (out(fixed ? HELP.demo : HELP.run), 0);
  const macroArg = fixed?.macro ?? a.positionals[0];
  if (!macroArg || a.positionals.length > (fixed ? 0 : 1)) throw new GaterunError('EUSAGE', fixed ? 'demo takes no positional arguments' : 'run needs exactly one macro id or file', 'gaterun run O8C --target prod.yaml');
  const json = !!a.values.json;
  const renderer = pickRenderer(a.values.renderer);
  const { findMacroFile, loadMacro } = await import('./macro/load-macro.js');
  const target = await loadTargetFor((a.values.target as string | undefined) ?? fixed?.target);
  const loaded = loadMacro(findMacroFile(macroArg), target);
  const { runMacro } = await import('./runner/run-macro.js');

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(EXIT.D);
    err(`\n${sig}: cancelling the running gate and writing the reports (again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const record = await runMacro({ loaded, target, outDir: a.values.out as string | undefined, renderer, progressToStderr: json, signal: controller.signal });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const { relative, join } = await import('node:path');
  const dir = relative(process.cwd(), join(record.files.final, '..')) || '.';
  if (json) out(JSON.stringify(record.final_outcome, null, 2));
  else {
    const { stringify } = await import('yaml');
    const runDir = relative(process.cwd(), (a.values.out as string | undefined) ?? join('reports', record.macro.id, record.run_id)) || '.';
    out(`\n${record.outcome.text}${record.outcome.reason ? `\n${record.outcome.stopped_at}: ${record.outcome.reason.split('\n')[0]}` : ''}`);
    out(`reports: ${runDir}/ (final: ${record.files.final})\n`);
    out('```yaml\n' + stringify(record.final_outcome, { lineWidth: 0 }) + '```');
    void dir;
  }
  return EXIT[record.outcome.code];
}

async function cmdOutcome(argv: string[]): Promise<number> {
  const a = parse(argv, { json: { type: 'boolean' } });
  if (a.values.help) return (out(HELP.outcome), 0);
  if (a.positionals.length !== 1) throw new GaterunError('EUSAGE', 'outcome needs one run directory', 'gaterun outcome reports/O8C/<run-id>');
  const { readFileSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { errors } = await import('./errors.js');
  const file = join(a.positionals[0], 'run.json');
  if (!existsSync(file)) throw errors.runDirInvalid(a.positionals[0], 'no run.json here');
  let record: { final_outcome?: Record<string, unknown>; outcome?: { code: keyof typeof EXIT } };
  try {
    record = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw errors.runDirInvalid(a.positionals[0], `run.json is not valid JSON (${(e as Error).message})`);
  }
  if (!record.final_outcome) throw errors.runDirInvalid(a.positionals[0], 'run.json has no final_outcome');
  if (a.values.json) out(JSON.stringify(record.final_outcome, null, 2));
  else {
    const { stringify } = await import('yaml');
    out('```yaml\n' + stringify(record.final_outcome, { lineWidth: 0 }) + '```');
  }
  return 0;
}

async function cmdDemo(argv: string[]): Promise<number> {
  const { packagePath } = await import('./paths.js');
  return cmdRun(argv, { macro: packagePath('macros', 'SELFCHECK.yaml'), target: packagePath('examples', 'selfcheck', 'target.yaml') });
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { list: cmdList, plan: cmdPlan, run: cmdRun, outcome: cmdOutcome, demo: cmdDemo };

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = new URL('../../package.json', import.meta.url);
    out(JSON.parse(readFileSync(pkg, 'utf8')).version);
    return 0;
  }
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') return (out(HELP.main), cmd ? 0 : EXIT.usage);
  const fn = COMMANDS[cmd];
  if (!fn) {
    const { didYouMean } = await import('./macro/load-macro.js');
    const hint = didYouMean(cmd, Object.keys(COMMANDS));
    throw new GaterunError('EUSAGE', `unknown command "${cmd}"`, hint ? `did you mean "gaterun ${hint}"?` : 'see `gaterun --help`');
  }
  return fn(rest);
}

/** Prints a coded error (no stack) or a crash (stack + please report). */
function report(e: unknown): number {
  if (isGaterunError(e)) {
    err(`gaterun: ${e.code}: ${e.message}`);
    for (const d of e.details) err(`  ${d}`);
    if (e.hint) err(`hint: ${e.hint}`);
    return e.exitCode;
  }
  err(`gaterun crashed: ${(e as Error)?.stack ?? String(e)}`);
  err('This is a bug in gaterun; please report it with the command you ran.');
  return EXIT.crash;
}

// A closed pipe (`gaterun outcome … | head`) is not an error worth a stack.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw e; });

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { process.exitCode = report(e); });
