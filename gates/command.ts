// Gate `command`: runs one command and checks its exit code and output.
import { cwdInputs } from '../src/checks/input-digest.js';
import { defineGate, message, results, type Check } from '../src/gate.js';

interface OutputRules {
  matches?: string[];
  not_matches?: string[];
}
export interface CommandParams {
  command: string | string[];
  cwd?: string;
  env?: Record<string, string>;
  timeout?: number;
  expect_exit?: number | number[];
  stdout?: OutputRules;
  stderr?: OutputRules;
  /** Store the trimmed stdout as this fact. */
  fact?: string;
  /** Regex with named groups over stdout; each group becomes a fact. */
  facts_from_stdout?: string;
  mutates?: boolean;
  scope?: 'run' | 'source' | 'deploy';
}

const rules = {
  type: 'object',
  additionalProperties: false,
  properties: {
    matches: { type: 'array', items: { type: 'string' }, description: 'regular expressions that must match (multiline)' },
    not_matches: { type: 'array', items: { type: 'string' }, description: 'regular expressions that must not match' },
  },
};

const messages = {
  exit: 'exit code {got}, expected {want}',
  mustMatch: '{stream} does not match /{re}/',
  mustNotMatch: '{stream} matches /{re}/',
  noFacts: 'stdout does not match facts_from_stdout /{re}/',
  failed: '{command}: {failures}',
};
const { pass, fail } = results(messages);

export default defineGate<CommandParams>({
  kind: 'command',
  summary: 'Runs a command and checks its exit code and output',
  facts: {
    exit_code: 'the exit code (null when killed)',
    duration_ms: 'how long it ran',
    '<fact>': 'with fact: the trimmed stdout',
    '<group>': 'with facts_from_stdout: each named group of the regex',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: {
        description: 'a shell command line (sh -c), or [program, ...args] run without a shell',
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: 'string' } },
        ],
      },
      cwd: { description: 'working directory', type: 'string' },
      env: { description: 'extra environment variables', type: 'object', additionalProperties: { type: 'string' } },
      timeout: { description: 'seconds (the gate timeout still applies)', type: 'number', exclusiveMinimum: 0 },
      expect_exit: {
        description: 'exit code(s) that count as success (default 0)',
        anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' } }],
      },
      stdout: { ...rules, description: 'regular expressions stdout must (matches) and must not (not_matches) match' },
      stderr: { ...rules, description: 'regular expressions stderr must (matches) and must not (not_matches) match' },
      fact: { description: 'store the trimmed stdout as this fact', type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      facts_from_stdout: { description: 'regular expression with named groups over stdout; each group becomes a fact', type: 'string' },
      mutates: { description: 'the command changes state outside the run dir (refused by mutation: none)', type: 'boolean' },
      scope: { description: 'where a mutating command writes, for the policy check (default deploy)', enum: ['run', 'source', 'deploy'] },
    },
  },
  messages,
  reuse: {
    reads: 'its `cwd` tree (reads outside the cwd are not seen); without a cwd, or with `mutates: true`, it is never reused',
    digest: (ctx, p) => (p.mutates ? Promise.resolve(null) : cwdInputs(ctx, p.cwd)),
  },
  async run(ctx, p) {
    const opts = { cwd: p.cwd, env: p.env, timeout: p.timeout, mutates: p.mutates, scope: p.scope };
    const r = Array.isArray(p.command) ? await ctx.exec(p.command[0], p.command.slice(1), opts) : await ctx.shell(p.command, opts);
    const want = p.expect_exit === undefined ? [0] : ([] as number[]).concat(p.expect_exit);
    const checks: Check[] = [];
    const exitOk = r.exitCode !== null && want.includes(r.exitCode);
    checks.push({
      status: exitOk ? 'PASS' : 'FAIL',
      text: exitOk
        ? `exit code ${r.exitCode}`
        : message(messages.exit, {
            got: r.timedOut
              ? 'none (timed out)'
              : (r.exitCode ?? (r.signal ? `none (signal ${r.signal})` : `none (${r.stderr.trim().split('\n').pop()})`)),
            want: want.join(' or '),
          }),
    });
    for (const [stream, text, rule] of [
      ['stdout', r.stdout, p.stdout],
      ['stderr', r.stderr, p.stderr],
    ] as const) {
      for (const re of rule?.matches ?? []) {
        const ok = new RegExp(re, 'm').test(text);
        checks.push({ status: ok ? 'PASS' : 'FAIL', text: ok ? `${stream} matches /${re}/` : message(messages.mustMatch, { stream, re }) });
      }
      for (const re of rule?.not_matches ?? []) {
        const ok = !new RegExp(re, 'm').test(text);
        checks.push({
          status: ok ? 'PASS' : 'FAIL',
          text: ok ? `${stream} does not match /${re}/` : message(messages.mustNotMatch, { stream, re }),
        });
      }
    }
    const facts: Record<string, string | number | null> = { exit_code: r.exitCode, duration_ms: r.durationMs };
    if (p.fact) facts[p.fact] = r.stdout.trim();
    if (p.facts_from_stdout) {
      const m = new RegExp(p.facts_from_stdout, 'm').exec(r.stdout);
      if (m?.groups) Object.assign(facts, m.groups);
      else checks.push({ status: 'FAIL', text: message(messages.noFacts, { re: p.facts_from_stdout }) });
    }
    const failed = checks.filter((c) => c.status === 'FAIL');
    const body = { checks, facts, evidence: [r.evidence] };
    const shown = r.command.length > 60 ? `${r.command.slice(0, 57)}…` : r.command;
    // The values read from stdout are what a reader of the roll-up wants to see (milestone=O4, changed=9).
    const read = p.facts_from_stdout
      ? Object.entries(new RegExp(p.facts_from_stdout, 'm').exec(r.stdout)?.groups ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '';
    return failed.length
      ? fail({ messageId: 'failed', data: { command: shown, failures: failed.map((c) => c.text).join('; ') }, ...body })
      : pass(
          `${shown}: exit ${r.exitCode}${checks.length > 1 ? `, ${checks.length - 1} output check${checks.length > 2 ? 's' : ''} passed` : ''}${read ? `; ${read}` : ''}`,
          body,
        );
  },
});
