#!/usr/bin/env node
// The gaterun command line: the only place that prints results and picks exit codes.
import { join, relative } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from './did-you-mean.js';
import { errorJson, errors, isGaterunError } from './errors.js';
import type { TargetInfo } from './gate.js';
import type { LoadedMacro } from './macro/types.js';

// verify: 4 = a --require/--macro/--max-age/--key policy is not met; 5 = tampered, unsigned or not a valid bundle.
const EXIT = { A: 0, C: 1, usage: 2, B: 3, D: 130, crash: 70, policy: 4, invalid: 5 } as const;

const HELP: Record<string, string> = {
  main: `gaterun — run change macros as gates and leave computed, numbered reports

Usage: gaterun <command> [options]

Commands:
  init                         scaffold macros/ with a starter macro and a target file
  list                         macros with id, title and gate count
  plan <macro>                 check a macro and print its gates; runs nothing
  explain <kind>               what a gate kind does, its with: params and the facts it sets
  run <macro-id|file.yaml>     run a macro and write its reports
  outcome <run-dir>            print a run's final-outcome block
  verify <run-dir>             check a run's signature, every file of it and a policy
  view [reports-dir] --out DIR build the reviewer's static web view of the runs
  serve [reports-dir]          serve the same web view on 127.0.0.1
  keygen                       make an Ed25519 signing key pair
  kb list | kb show <id|path>  read the knowledge base the runs publish to
  db up [--schema FILE...]     start a throwaway PostgreSQL (the demo's) and print its URL
  demo                         run O8B → O8F on a fresh demo workspace and an embedded PostgreSQL

Options:
  -h, --help                   help for a command (gaterun run --help)
  -v, --version                print the version

Macros are looked up in ./macros (or gaterun.config.yaml's macros:), then $GATERUN_MACROS, then gaterun's own.
gaterun.config.yaml may also set reports:, target: and key: (see README).
Exit codes: 0 A (all PASS) · 1 C (a gate or criterion failed) · 2 usage or config error · 3 B (blocked)
            · 70 gaterun crashed (a bug: please report) · 130 D (aborted by SIGINT/SIGTERM)
verify: 0 OK · 4 policy not met · 5 tampered or invalid`,
  list: `Usage: gaterun list [--json]

Lists the macros found in ./macros (or gaterun.config.yaml's macros:), $GATERUN_MACROS and gaterun's
own, with id, title and gate count, read off each file's top-level lines; it does not check them:
\`gaterun plan <macro>\` does. A macro id found earlier hides a later one.`,
  init: `Usage: gaterun init [--dir DIR] [--force]

Scaffolds a project (default: the working directory): macros/CHECK.yaml (tests, secret scan, a
release artifact), gaterun.target.yaml (this repository on this machine) and gaterun.config.yaml.
Then: gaterun plan CHECK && gaterun run CHECK. Refuses to overwrite unless --force.`,
  explain: `Usage: gaterun explain <kind> [--json]

Prints what a gate kind does: its with: params (type, required, description), the facts it sets
and its messages — the same text as docs/gates.md. \`gaterun explain\` alone lists the kinds.`,
  plan: `Usage: gaterun plan <macro-id|file.yaml> [--target FILE] [--json] [--resume DIR|last]

Checks the whole macro (syntax, schema, gate kinds, params, references) and prints its gates.
Nothing runs. Exit 2 with every problem listed when the macro is invalid.

With --resume, checks the earlier run (signed by a trusted key, same macro) and shows gate by gate
what \`run --resume\` would do: "reuse", or "run again: <why>". Inputs are digested now (read-only);
params are resolved with the earlier run's facts. No gate runs. --key FILE (the signing key, private or
public PEM) is trusted in addition to ~/.config/gaterun/trusted/.`,
  run: `Usage: gaterun run <macro-id|file.yaml> [options]

Runs the gates in order and stops at the first that does not pass; the rest are NOT RUN.
Writes numbered reports, the final report, run.json and ledger.jsonl, then prints the
final-outcome block.

Options:
  --target FILE        the system under change (hosts, paths, databases); default: this machine
  --out DIR            run directory (default reports/<MACRO-ID>/<run-id>)
  --renderer R         progress display: default | simple | verbose | silent
                       (default on a terminal, simple otherwise)
  --json               print the run as JSON on stdout (format_version 1, schemas/run-output.schema.json;
                       errors as schemas/error-output.schema.json); progress goes to stderr
  --junit FILE         also write the gates and PASS criteria as JUnit XML test cases to FILE
  --wait-lock SECONDS  wait this long for the target's run lock when another run holds it (default 0)
  --resume DIR|last    reuse the PASS records of an earlier signed run of this macro where nothing they
                       depend on changed (spec, resolved params, target, input digests); the first gate
                       that cannot be reused and every gate after it run again (see: gaterun plan --resume)
  --key FILE           Ed25519 private key (PEM) to sign the bundle; else $GATERUN_SIGNING_KEY,
                       the target's signing_key, ~/.config/gaterun/signing-key.pem; none: UNSIGNED

Secrets (values of env vars and .env keys named *PASS*, *SECRET*, *TOKEN*, *KEY*, *DSN*, *CREDENTIAL*…,
URL passwords, and the target's secrets: list) are shown as [secure] everywhere, in their encoded forms
too; a secret found in any output file leaves the run unsigned (exit 1).

Defaults for --target, --key and the reports folder come from gaterun.config.yaml when present.
With $GITHUB_STEP_SUMMARY set, the outcome and gate roll-up are appended to it as Markdown.

Exit codes: 0 A · 1 C · 2 usage/config · 3 B · 70 crash (bug) · 130 D (SIGINT/SIGTERM)`,
  verify: `Usage: gaterun verify <run-dir> [--key PUB.pem ...] [--require A] [--macro ID] [--max-age 1d] [--json]

Exit 0 only when run.intoto.json carries a valid Ed25519 signature by a trusted key, every
file of the run matches its signed sha256 (none missing, none added), and every policy given
holds. Trusted keys: each --key, else ~/.config/gaterun/trusted/*.pem and the public half of
the default signing key. Policies, checked against the signed statement (never unsigned files):
  --require A          the run ended with this outcome (A, B, C or D)
  --macro ID           the statement names this macro id
  --max-age DURATION   signed at most this long ago (90s, 30m, 12h, 1d, 2w, 1d12h)

Exit codes: 0 verified and every policy holds · 4 policy not met (outcome, macro, age, or not
signed by a trusted key) · 5 tampered or invalid (a file changed, missing or extra; bad
signature; unsigned; malformed envelope) · 2 usage error.
--json: format_version 1 (schemas/verify-output.schema.json): status, exit_code, problems, the signed
outcome and the policy problems; errors as schemas/error-output.schema.json.`,
  view: `Usage: gaterun view [reports-dir] [--out DIR] [--key PUB.pem ...]

Builds a static site of every run under reports-dir (default reports): an index with outcome, gates,
criteria and a verify badge per run (computed now by the code of \`gaterun verify\`), pages per macro
and outcome, the chain of verified predecessors, and a page per run (final report, gate roll-up,
timeline, database counts, comparison with the previous run, ledger) and per report.
Open DIR/index.html from disk: no server, nothing loaded from the network. DIR (default site)
must be empty, missing or an earlier build. Trusted keys as for verify: each --key, else
~/.config/gaterun/trusted/*.pem and the public half of the default signing key.`,
  serve: `Usage: gaterun serve [reports-dir] [--port N] [--key PUB.pem ...]

Serves the site that \`gaterun view\` builds on http://127.0.0.1:N/ (default port 7420; 0 picks a free
one), only to this machine. A page request rebuilds the site when a run was added or changed.
Ctrl-C stops it.`,
  keygen: `Usage: gaterun keygen [--out DIR]

Writes signing-key.pem (private, mode 0600) and signing-key.pub.pem into DIR
(default ~/.config/gaterun) and prints the keyid (sha256 of the public key's SPKI DER).
Refuses to overwrite an existing key.`,
  db: `Usage: gaterun db up [--schema FILE ...]

Starts an embedded throwaway PostgreSQL in the foreground (the same launcher the demo and the
tests use), applies the schema files (default: the iu-cutter sample schema, roles and seed data),
prints its URL and waits; Ctrl-C stops it and removes its data.`,
  kb: `Usage: gaterun kb list [--dir KB] [--json]
       gaterun kb show <KB-XXXX|path> [--dir KB] [--revision N] [--json]

Reads the knowledge base that kb-publish gates write: --dir KB, else the --target's kb.dir, else its
kb.database (PostgreSQL, schema kb), else ./kb.`,
  outcome: `Usage: gaterun outcome <run-dir> [--json]

Prints the final-outcome block of a finished run (from its run.json). It checks nothing: verify does.
--json: format_version 1 (schemas/outcome-output.schema.json): outcome letter, reason, stopped_at, the block.`,
  demo: `Usage: gaterun demo [--workspace DIR] [--break kill-switch|proof [--fix]] [--renderer R]

Builds a fresh workspace (default ./.gaterun-demo: the engineer's iu-cutter repo, the staged O8A
change set, a "VPS" folder with v0.6 deployed next to the v0.4 skeleton, a KB and a signing key),
starts an embedded PostgreSQL with the sample schema, and runs O8B → O8C → O8D → O8E → O8F,
laying the engineer's change sets into the repo between them. After each macro: its final-outcome
block, its run dir and whether its signed bundle verifies. Stops at the first outcome that is not A.
Compares the production row counts before and after.

  --break kill-switch   set __execution_enabled__ = True in the deployed tree before O8C (O8C: C at G0)
  --break proof         blank the O8C proof row's title, so fn_iu_create refuses it (O8C: C at G4)
  --fix                 with --break: after O8C fails, repair the fault and resume that run
                        (run --resume: G1-G3b are reused, G0 and G4 on run again); the chain goes on

Exit 0 only when all five are A, every bundle verifies and the row counts are unchanged; else 1.`,
};

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(argv: string[], options: ParseArgsConfig['options'], command = ''): Parsed {
  const all = { help: { type: 'boolean', short: 'h' }, ...options } as NonNullable<ParseArgsConfig['options']>;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    // Node's parseArgs messages name the option but not what was meant; rewrite the common ones.
    const code = (e as NodeJS.ErrnoException).code;
    const first = (e as Error).message.split('\n')[0];
    const flag = /'(-{1,2}[^' ]+)/.exec(first)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const known = Object.keys(all).map((k) => `--${k}`);
      throw errors.unknownOption(command, flag, flag.startsWith('--') ? didYouMean(flag, known) : undefined);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      throw errors.usage(
        `${command}: ${flag} ${all[flag.replace(/^-+/, '')]?.type === 'string' ? 'needs a value' : 'takes no value'}`,
        `see \`gaterun ${command} --help\``,
      );
    throw errors.usage(first);
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
  if (!['default', 'simple', 'verbose', 'silent'].includes(String(value)))
    throw errors.badOption('--renderer', String(value), 'default, simple, verbose or silent');
  return value as 'default';
}

async function cmdList(argv: string[]): Promise<number> {
  const a = parse(argv, { json: { type: 'boolean' } }, 'list');
  if (a.values.help) return (out(HELP.list), 0);
  const { listAllMacros, macroDirs } = await import('./macro/find-macro.js');
  const macros = listAllMacros();
  if (a.values.json) {
    const { listJson } = await import('./output/cli-json.js');
    return (out(JSON.stringify(listJson(macros, macroDirs()), null, 2)), 0);
  }
  if (!macros.length) return (out(`no macros in ${macroDirs().join(', ')}; run \`gaterun init\` to start one`), 0);
  const w = Math.max(2, ...macros.map((m) => m.id.length));
  out(`${'ID'.padEnd(w)}  GATES  TITLE`);
  for (const m of macros) out(`${m.id.padEnd(w)}  ${String(m.gates).padStart(5)}  ${m.title}${m.error ? `  (invalid: ${m.error})` : ''}`);
  return 0;
}

async function cmdPlan(argv: string[]): Promise<number> {
  const a = parse(
    argv,
    { target: { type: 'string' }, json: { type: 'boolean' }, resume: { type: 'string' }, key: { type: 'string' } },
    'plan',
  );
  if (a.values.help) return (out(HELP.plan), 0);
  if (a.positionals.length !== 1) throw errors.arguments('plan needs exactly one macro id or file', 'gaterun plan O8C');
  const { loadMacro } = await import('./macro/load-macro.js');
  const { file, targetFile } = await macroAndTarget(a.positionals[0], a.values.target as string | undefined);
  const target = await loadTargetFor(targetFile);
  const loaded = loadMacro(file, target);
  const m = loaded.macro;
  if (a.values.resume)
    return planResumeCommand(loaded, target, a.values.resume as string, !!a.values.json, a.values.key as string | undefined);
  if (a.values.json) {
    const { planJson } = await import('./output/cli-json.js');
    return (out(JSON.stringify(planJson(loaded, target), null, 2)), 0);
  }
  out(
    `${m.id} — ${m.title}\nmacro: ${m.macro}\noutcome when all pass: A — ${m.outcome}\nmutation: ${m.mutation}\nfile: ${loaded.file} (sha256 ${loaded.sha256.slice(0, 16)})\n`,
  );
  const { reportFileName } = await import('./report/render-report.js');
  const { isFinalize } = await import('./runner/run-macro.js');
  // Finalize gates (kb-publish) run after signing and have no numbered report.
  const numbered = m.gates.filter((g) => !isFinalize(g));
  m.gates.forEach((g) =>
    out(
      `  ${g.id.padEnd(4)} ${g.kind.padEnd(16)} ${(isFinalize(g) ? '(after signing)' : reportFileName(numbered.indexOf(g), g.title)).padEnd(36)} host ${g.host ?? m.host ?? 'local'} · timeout ${g.timeout ?? 600}s`,
    ),
  );
  (m.finally ?? []).forEach((g, i) =>
    out(
      `  ${g.id.padEnd(4)} ${g.kind.padEnd(16)} ${reportFileName(numbered.length + i, g.title).padEnd(36)} host ${g.host ?? m.host ?? 'local'} · timeout ${g.timeout ?? 600}s (finally: runs whatever happened)`,
    ),
  );
  const { unreachableRules } = await import('./macro/rule-warnings.js');
  for (const w of unreachableRules(m)) out(`warning: ${w}`);
  out(
    `\n${m.gates.length + (m.finally ?? []).length} gates, ${m.criteria.length} PASS criteria, ${m.forbidden.length} forbidden actions. The macro is valid; nothing was run.`,
  );
  return 0;
}

/** `plan --resume`: which gates a resumed run would reuse, and why the others run again; runs no gate. */
async function planResumeCommand(loaded: LoadedMacro, target: TargetInfo, at: string, json: boolean, keyFlag?: string): Promise<number> {
  const { loadProjectConfig } = await import('./config/project-config.js');
  const { resumeSourceFor } = await import('./runner/execute-run.js');
  const { planResume } = await import('./runner/plan-resume.js');
  const { findSigningKey, loadPublicKeys } = await import('./report/keys.js');
  const config = loadProjectConfig();
  // The key that signs this project's runs (or the public key given) is trusted, as `run --resume` trusts it.
  const keyAt = findSigningKey({ flag: keyFlag ?? config.key, targetKey: target.signing_key as string | undefined });
  const src = resumeSourceFor(at, loaded.macro.id, target, keyAt ? loadPublicKeys([keyAt.path])[0].key : null, config.reports);
  const rows = await planResume(loaded, target, src);
  if (json)
    return (
      out(JSON.stringify({ format_version: 1, resume_from: { run_id: src.runId, dir: src.dir, keyid: src.keyid }, gates: rows }, null, 2)),
      0
    );
  out(`${loaded.macro.id}: resume from run ${src.runId} (signed by keyid ${src.keyid.slice(0, 16)}, ${src.signedAt})`);
  for (const r of rows) out(`  ${r.id.padEnd(4)} ${r.kind.padEnd(16)} ${r.action === 'reuse' ? 'reuse' : `run again: ${r.why}`}`);
  const n = rows.filter((r) => r.action === 'reuse').length;
  out(`\n${n} of ${rows.length} gates would be reused. Params were resolved with the earlier run's facts; nothing was run.`);
  return 0;
}

async function cmdRun(argv: string[], fixed?: { macro: string; target: string }): Promise<number> {
  const a = parse(
    argv,
    {
      target: { type: 'string' },
      out: { type: 'string' },
      renderer: { type: 'string' },
      json: { type: 'boolean' },
      junit: { type: 'string' },
      key: { type: 'string' },
      'wait-lock': { type: 'string' },
      resume: { type: 'string' },
    },
    'run',
  );
  if (a.values.help) return (out(fixed ? HELP.demo : HELP.run), 0);
  const waitLock = a.values['wait-lock'] === undefined ? 0 : Number(a.values['wait-lock']);
  if (!Number.isFinite(waitLock) || waitLock < 0)
    throw errors.usage(`--wait-lock takes a number of seconds, got "${String(a.values['wait-lock'])}"`, 'gaterun run O8C --wait-lock 60');
  const macroArg = fixed?.macro ?? a.positionals[0];
  if (!macroArg || a.positionals.length > (fixed ? 0 : 1))
    throw errors.arguments(
      fixed ? 'demo takes no positional arguments' : 'run needs exactly one macro id or file',
      'gaterun run O8C --target prod.yaml',
    );
  const json = !!a.values.json;
  const { loadProjectConfig } = await import('./config/project-config.js');
  const config = loadProjectConfig();
  const picked = fixed
    ? { file: macroArg, targetFile: fixed.target }
    : await macroAndTarget(macroArg, a.values.target as string | undefined);
  const renderer = pickRenderer(a.values.renderer);
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
  const { executeRun } = await import('./runner/execute-run.js');
  const { record, dir, finalize } = await executeRun({
    waitLockS: waitLock,
    macro: picked.file,
    targetFile: picked.targetFile,
    outDir: a.values.out as string | undefined,
    reportsDir: config.reports,
    renderer,
    progressToStderr: json,
    keyFlag: (a.values.key as string | undefined) ?? config.key,
    resume: a.values.resume as string | undefined,
    signal: controller.signal,
    warn: (m) => err(`warning: ${m}`),
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const rel = relative(process.cwd(), dir);
  const runDir = !rel ? '.' : rel.startsWith('..') ? dir : rel;
  // CI outputs are written before the outcome decides the exit code, so a failed run still leaves them.
  if (a.values.junit) {
    const { writeFileSync } = await import('node:fs');
    const { junitXml } = await import('./output/junit.js');
    writeFileSync(a.values.junit as string, junitXml(record, finalize));
  }
  const { appendStepSummary } = await import('./output/step-summary.js');
  appendStepSummary(record, runDir, finalize);
  if (json) {
    const { runJson } = await import('./output/run-json.js');
    out(JSON.stringify(runJson(record, runDir, finalize), null, 2));
  } else {
    const { failureText } = await import('./output/failure-text.js');
    const failures = failureText(record, runDir);
    if (failures) out(`\n${failures}`);
    const { stringify } = await import('yaml');
    out(
      `\n${record.outcome.text}${record.outcome.reason ? `\n${record.outcome.stopped_at ? `${record.outcome.stopped_at}: ` : ''}${record.outcome.reason.split('\n')[0]}` : ''}`,
    );
    out(
      `reports: ${runDir}/ (final: ${record.files.final}) · ${record.final_outcome.signature === 'UNSIGNED' ? 'unsigned' : `signed, check with: gaterun verify ${runDir}`}\n`,
    );
    out('```yaml\n' + stringify(record.final_outcome, { lineWidth: 0 }) + '```');
  }
  if (record.secret_leak) {
    const leak = errors.secretLeak(record.secret_leak);
    // With --json the run document (secret_leak set, signed false) is already on stdout; one JSON document only.
    if (json) return (err(`gaterun: ${leak.code}: ${leak.message}`), leak.exitCode);
    throw leak;
  }
  const failedAfter = finalize.find((g) => g.status !== 'PASS');
  for (const g of finalize) err(`${g.id} ${g.title} (after signing): ${g.status} — ${g.summary}`);
  if (failedAfter) {
    err(`the signed bundle stands as ${record.outcome.text}, but ${failedAfter.id} failed after signing`);
    return EXIT.C;
  }
  return EXIT[record.outcome.code];
}

async function cmdOutcome(argv: string[]): Promise<number> {
  const a = parse(argv, { json: { type: 'boolean' } }, 'outcome');
  if (a.values.help) return (out(HELP.outcome), 0);
  if (a.positionals.length !== 1) throw errors.arguments('outcome needs one run directory', 'gaterun outcome reports/O8C/<run-id>');
  const { readFileSync, existsSync } = await import('node:fs');
  const file = join(a.positionals[0], 'run.json');
  if (!existsSync(file)) throw errors.runDirInvalid(a.positionals[0], 'no run.json here');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw errors.runDirInvalid(a.positionals[0], `run.json is not valid JSON (${(e as Error).message})`);
  }
  const { outcomeSource, outcomeJson } = await import('./output/outcome-json.js');
  const record = outcomeSource(parsed);
  if (typeof record === 'string') throw errors.runDirInvalid(a.positionals[0], record);
  if (a.values.json) out(JSON.stringify(outcomeJson(a.positionals[0], record), null, 2));
  else {
    const { stringify } = await import('yaml');
    out('```yaml\n' + stringify(record.final_outcome, { lineWidth: 0 }) + '```');
  }
  return 0;
}

async function cmdVerify(argv: string[]): Promise<number> {
  const a = parse(
    argv,
    {
      key: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      require: { type: 'string' },
      macro: { type: 'string' },
      'max-age': { type: 'string' },
    },
    'verify',
  );
  if (a.values.help) return (out(HELP.verify), 0);
  if (a.positionals.length !== 1) throw errors.arguments('verify needs one run directory', 'gaterun verify reports/O8C/<run-id>');
  const { statSync } = await import('node:fs');
  const dir = a.positionals[0];
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw errors.runDirInvalid(dir, 'not a directory');
  const { loadPublicKeys } = await import('./report/keys.js');
  const { verifyBundle, defaultTrustedKeys, formatVerifyResult, checkPolicy, formatPolicyProblems, parseDuration } =
    await import('./report/verify-bundle.js');
  const policy = verifyPolicyFrom(a.values, parseDuration);
  const keyFiles = (a.values.key as unknown as string[] | undefined) ?? [];
  const trusted = keyFiles.length ? loadPublicKeys(keyFiles) : defaultTrustedKeys();
  const result = verifyBundle(dir, { trustedKeys: trusted.map((k) => k.key) });
  // Policy facts come from the signed statement only, so they are checked only once the signature holds.
  const policyProblems = result.ok && result.outcome ? checkPolicy(result.outcome, policy) : [];
  const { verifyJson, verifyExitCode } = await import('./output/verify-json.js');
  if (a.values.json) out(JSON.stringify(verifyJson(dir, result, policy, policyProblems), null, 2));
  else {
    out(formatVerifyResult(dir, result));
    if (policyProblems.length) out(formatPolicyProblems(dir, policyProblems));
    else if (!result.ok && Object.keys(policy).length) out('  (policy not checked: the bundle does not verify)');
  }
  return verifyExitCode(result, policyProblems);
}

/** The --require / --macro / --max-age flags of `verify` as a policy; a bad value is a usage error (exit 2). */
function verifyPolicyFrom(
  v: Record<string, string | boolean | undefined>,
  parseDuration: (t: string) => number | null,
): { require?: string; macro?: string; maxAge?: { ms: number; text: string } } {
  const policy: { require?: string; macro?: string; maxAge?: { ms: number; text: string } } = {};
  if (v.require !== undefined) {
    if (!['A', 'B', 'C', 'D'].includes(String(v.require)))
      throw errors.usage(`--require ${String(v.require)}: expected A, B, C or D`, 'gaterun verify DIR --require A');
    policy.require = String(v.require);
  }
  if (v.macro !== undefined) policy.macro = String(v.macro);
  if (v['max-age'] !== undefined) {
    const text = String(v['max-age']);
    const ms = parseDuration(text);
    if (ms === null) throw errors.usage(`--max-age ${text}: expected a duration such as 90s, 30m, 12h, 1d, 2w or 1d12h`);
    policy.maxAge = { ms, text };
  }
  return policy;
}

async function viewArgs(argv: string[], extra: ParseArgsConfig['options']) {
  const a = parse(argv, { key: { type: 'string', multiple: true }, ...extra }, 'view');
  if (a.positionals.length > 1) throw errors.usage('expected at most one reports dir', 'gaterun view reports --out site');
  const { loadPublicKeys } = await import('./report/keys.js');
  const { defaultTrustedKeys } = await import('./report/verify-bundle.js');
  const keyFiles = (a.values.key as unknown as string[] | undefined) ?? [];
  const trusted = (keyFiles.length ? loadPublicKeys(keyFiles) : defaultTrustedKeys()).map((k) => k.key);
  return { a, reportsDir: a.positionals[0] ?? 'reports', trusted };
}

async function cmdView(argv: string[]): Promise<number> {
  const { a, reportsDir, trusted } = await viewArgs(argv, { out: { type: 'string' } });
  if (a.values.help) return (out(HELP.view), 0);
  const { buildSite } = await import('./view/build-site.js');
  const site = buildSite({ reportsDir, outDir: (a.values.out as string | undefined) ?? 'site', trustedKeys: trusted });
  const bad = site.runs.filter((r) => r.badge.kind !== 'verified');
  out(`${site.runs.length} runs, ${site.files} files → ${join(site.outDir, 'index.html')}`);
  for (const r of bad) out(`  ${r.macroId} ${r.runId}: ${r.badge.text}`);
  return 0;
}

async function cmdServe(argv: string[]): Promise<number> {
  const { a, reportsDir, trusted } = await viewArgs(argv, { port: { type: 'string' } });
  if (a.values.help) return (out(HELP.serve), 0);
  const port = a.values.port === undefined ? 7420 : Number(a.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw errors.usage(`--port ${String(a.values.port)}: expected 0–65535`);
  const { serveSite } = await import('./view/serve.js');
  const site = await serveSite({ reportsDir, port, trustedKeys: trusted });
  out(`serving ${reportsDir} on ${site.url} (127.0.0.1 only; Ctrl-C stops)`);
  await new Promise<void>((done) => {
    const stop = () => void site.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function cmdKeygen(argv: string[]): Promise<number> {
  const a = parse(argv, { out: { type: 'string' } }, 'keygen');
  if (a.values.help) return (out(HELP.keygen), 0);
  const { generateKeyPair, configDir } = await import('./report/keys.js');
  const k = generateKeyPair((a.values.out as string | undefined) ?? configDir());
  out(`private key: ${k.privatePath} (mode 0600)\npublic key:  ${k.publicPath}\nkeyid:       ${k.keyid}`);
  return 0;
}

async function cmdKb(argv: string[]): Promise<number> {
  const a = parse(
    argv,
    { dir: { type: 'string' }, target: { type: 'string' }, revision: { type: 'string' }, json: { type: 'boolean' } },
    'kb',
  );
  if (a.values.help || !a.positionals.length) return (out(HELP.kb), a.values.help ? 0 : EXIT.usage);
  const { loadProjectConfig } = await import('./config/project-config.js');
  const targetFile = (a.values.target as string | undefined) ?? (a.values.dir ? undefined : loadProjectConfig().target);
  const target = targetFile ? await loadTargetFor(targetFile) : null;
  const kb = (target?.kb ?? {}) as { dir?: string; database?: string };
  const [sub, query] = a.positionals;
  const rev = a.values.revision ? Number(a.values.revision) : undefined;
  const { kbListJson, kbShowJson } = await import('./output/cli-json.js');
  const print = (docs: { kbId: string; revision: number; path: string }[], where: string) => {
    if (a.values.json) return out(JSON.stringify(kbListJson(docs, where), null, 2));
    if (!docs.length) return out(`no documents in ${where}`);
    for (const d of docs) out(`${d.kbId}  r${d.revision}  ${d.path}`);
  };
  const show = (doc: Parameters<typeof kbShowJson>[0]) => out(a.values.json ? JSON.stringify(kbShowJson(doc), null, 2) : doc.text);
  if (!a.values.dir && !kb.dir && kb.database && target) {
    // The target keeps its KB in PostgreSQL (schema kb).
    const { databaseUrl } = await import('./db/database-url.js');
    const { withKbDatabase, listKbPostgres, showKbPostgres } = await import('./kb/kb-postgres.js');
    const url = databaseUrl((target.databases ?? {}) as never, kb.database, target.baseDir ?? '.');
    if (sub === 'list') return withKbDatabase(url, async (sql) => (print(await listKbPostgres(sql), `database ${kb.database}`), 0));
    if (sub === 'show' && query) return withKbDatabase(url, async (sql) => (show(await showKbPostgres(sql, query, rev)), 0));
  } else {
    const root = (a.values.dir as string | undefined) ?? kb.dir ?? 'kb';
    const { listKb, showKb } = await import('./kb/kb-dir.js');
    if (sub === 'list') return (print(listKb(root), root), 0);
    if (sub === 'show' && query) return (show(showKb(root, query, rev)), 0);
  }
  throw errors.arguments(`kb ${sub ?? ''}: expected "list" or "show <KB-id|path>"`, 'gaterun kb show KB-5039');
}

async function cmdDb(argv: string[]): Promise<number> {
  const a = parse(argv, { schema: { type: 'string', multiple: true } }, 'db');
  if (a.values.help) return (out(HELP.db), 0);
  if (a.positionals[0] !== 'up' || a.positionals.length !== 1)
    throw errors.arguments('expected "gaterun db up [--schema FILE ...]"', 'gaterun db up');
  const { dbUp } = await import('./pg/db-up.js');
  const { sampleSqlFiles } = await import('./pg/sample-schema.js');
  const files = (a.values.schema as unknown as string[] | undefined) ?? [];
  await dbUp(files.length ? files : sampleSqlFiles());
  return 0;
}

async function cmdDemo(argv: string[]): Promise<number> {
  const a = parse(
    argv,
    { workspace: { type: 'string' }, break: { type: 'string' }, fix: { type: 'boolean' }, renderer: { type: 'string' } },
    'demo',
  );
  if (a.values.help) return (out(HELP.demo), 0);
  if (a.positionals.length) throw errors.arguments('demo takes no positional arguments', 'gaterun demo --break proof');
  const brk = a.values.break as string | undefined;
  if (brk !== undefined && brk !== 'kill-switch' && brk !== 'proof') throw errors.badOption('--break', brk, 'kill-switch or proof');
  if (a.values.fix && !brk) throw errors.usage('--fix repairs the fault of --break', 'gaterun demo --break proof --fix');
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { runDemo } = await import('./demo/run-demo.js');
    const r = await runDemo({
      workspace: a.values.workspace as string | undefined,
      break: brk,
      fix: !!a.values.fix,
      renderer: pickRenderer(a.values.renderer),
      signal: controller.signal,
      print: out,
    });
    return r.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The macro file and the target file to use (flag, else gaterun.config.yaml); one clear error when a needed target is missing. */
async function macroAndTarget(macroArg: string, targetFlag: string | undefined): Promise<{ file: string; targetFile?: string }> {
  const { loadProjectConfig } = await import('./config/project-config.js');
  const { findMacroFile } = await import('./macro/find-macro.js');
  const file = findMacroFile(macroArg);
  const targetFile = targetFlag ?? loadProjectConfig().target;
  if (!targetFile) {
    const { readFileSync } = await import('node:fs');
    const { parseYamlSource, yamlData } = await import('./macro/yaml-source.js');
    const { targetNeeds } = await import('./macro/target-needs.js');
    const src = parseYamlSource(file, readFileSync(file, 'utf8'));
    // A macro that does not parse (or is an alias bomb) gets its full problem list from loadMacro instead.
    const parsed = src.problems.length ? null : yamlData(src);
    const needs = parsed && !parsed.problems.length ? targetNeeds(parsed.data) : [];
    if (needs.length) throw errors.targetRequired(relative(process.cwd(), file) || file, needs);
  }
  return { file, targetFile };
}

async function cmdInit(argv: string[]): Promise<number> {
  const a = parse(argv, { dir: { type: 'string' }, force: { type: 'boolean' } }, 'init');
  if (a.values.help) return (out(HELP.init), 0);
  if (a.positionals.length) throw errors.arguments('init takes no positional arguments', 'gaterun init --dir my-project');
  const { initProject } = await import('./init/init-project.js');
  const r = initProject((a.values.dir as string | undefined) ?? process.cwd(), { force: !!a.values.force });
  for (const f of r.written) out(`wrote ${relative(process.cwd(), f) || f}`);
  out(`\nnext: gaterun plan ${r.macroId} && gaterun run ${r.macroId}${a.values.dir ? ` (from ${a.values.dir})` : ''}`);
  return 0;
}

async function cmdExplain(argv: string[]): Promise<number> {
  const a = parse(argv, { json: { type: 'boolean' } }, 'explain');
  if (a.values.help) return (out(HELP.explain), 0);
  const { gateKinds } = await import('../gates/index.js');
  const { gateReference, gateReferenceJson } = await import('./docs/gate-reference.js');
  const kinds = Object.keys(gateKinds).sort();
  if (!a.positionals.length) {
    if (a.values.json)
      return (
        out(JSON.stringify({ format_version: 1, kinds: kinds.map((k) => ({ kind: k, summary: gateKinds[k].summary })) }, null, 2)),
        0
      );
    for (const k of kinds) out(`${k.padEnd(16)} ${gateKinds[k].summary}`);
    return 0;
  }
  if (a.positionals.length !== 1) throw errors.arguments('explain takes one gate kind', 'gaterun explain command');
  const kind = a.positionals[0];
  const mod = gateKinds[kind];
  if (!mod) throw errors.gateUnknown(kind, kinds, didYouMean(kind, kinds));
  out(a.values.json ? JSON.stringify(gateReferenceJson(mod), null, 2) : gateReference(mod));
  return 0;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  list: cmdList,
  plan: cmdPlan,
  run: cmdRun,
  outcome: cmdOutcome,
  verify: cmdVerify,
  view: cmdView,
  serve: cmdServe,
  keygen: cmdKeygen,
  kb: cmdKb,
  db: cmdDb,
  demo: cmdDemo,
  init: cmdInit,
  explain: cmdExplain,
};

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
    throw errors.unknownCommand(cmd, didYouMean(cmd, Object.keys(COMMANDS)));
  }
  return fn(rest);
}

/** Prints a coded error (no stack) or a crash (stack + please report); with --json the error is also JSON on stdout. */
function report(e: unknown, json = process.argv.includes('--json')): number {
  if (json) {
    const body = isGaterunError(e)
      ? errorJson(e)
      : {
          format_version: 1,
          error: {
            code: 'EINTERNAL',
            message: String((e as Error)?.message ?? e),
            hint: 'this is a bug in gaterun; please report it',
            details: [],
            exit_code: EXIT.crash,
          },
        };
    out(JSON.stringify(body, null, 2));
  }
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
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  else throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = report(e);
  },
);
