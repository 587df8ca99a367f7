// The gate module contract: what a gate kind exports and what it gets to work with.
import type { JSONSchemaType } from 'ajv';

/** Outcome of one gate. NOT_RUN and ABORTED are never returned by a gate; the runner records them. */
export type GateStatus = 'PASS' | 'FAIL' | 'BLOCKED' | 'NOT_RUN' | 'ABORTED';

/** One line of a gate report, e.g. `PROOF-3 PASS Psycopg2 shim serves .execute()`. */
export interface Check {
  id?: string;
  status: 'PASS' | 'FAIL' | 'INFO';
  text: string;
}

/** What backs a check: a command run, SQL and rows, file digests... */
export interface Evidence {
  kind: 'exec' | 'sql' | 'file' | 'note';
  title: string;
  /** exec: the command line (redacted), exit code, duration, digests and tails of output. */
  command?: string;
  cwd?: string;
  exitCode?: number | null;
  durationMs?: number;
  stdoutSha256?: string;
  stderrSha256?: string;
  stdoutTail?: string;
  stderrTail?: string;
  /** exec: the full (redacted) output kept in the run dir, e.g. `logs/0007-G2.out.txt` (capped at 1 MiB a stream). */
  stdoutLog?: string;
  stderrLog?: string;
  /** sql: statement and rows (as JSON-able values). */
  sql?: string;
  rows?: unknown[];
  /** file: path and its sha256. */
  path?: string;
  sha256?: string;
  /** free text for notes. */
  text?: string;
  /** ledger sequence numbers this evidence corresponds to. */
  ledger?: number[];
}

export type FactValue = string | number | boolean | null | FactValue[] | { [k: string]: FactValue };
export type Facts = Record<string, FactValue>;

/** Placeholder values for a message template: `{name}` is replaced by `String(data.name)`. */
export type MessageData = Record<string, unknown>;

/** A kind's messages by id (camelCase id → template with `{name}` placeholders), as ESLint's `meta.messages`. */
export type Messages = Record<string, string>;

/** What a gate returns. FAIL and BLOCKED name a `messageId` of the kind's messages; the summary is formatted from it. */
export interface GateResult {
  status: 'PASS' | 'FAIL' | 'BLOCKED';
  summary: string;
  /** A key of the kind's `messages`; required for FAIL and BLOCKED. */
  messageId?: string;
  /** Placeholder values for the message. */
  data?: MessageData;
  checks: Check[];
  facts: Facts;
  evidence: Evidence[];
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Text written to the child's stdin. */
  input?: string;
  /** Seconds; the gate's own timeout still applies on top. */
  timeout?: number;
  /** Declares that the command changes state outside the run dir; refused in `mutation: none` macros. */
  mutates?: boolean;
  /** Where a mutating command lands (policy check); default 'deploy'. */
  scope?: 'run' | 'source' | 'deploy';
  /** Extra strings to redact from this command's output and ledger entry. */
  secrets?: string[];
  /** Host name from the target (default: the gate's host). */
  host?: string;
}

export interface ExecResult {
  command: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Ledger sequence number of this exec. */
  ledgerSeq: number;
  /** Ready-made evidence for a report (redacted, tails only). */
  evidence: Evidence;
}

export interface GateLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** The only door a gate has to the world. Every side effect lands in the ledger. */
export interface GateContext {
  /** The id of the running gate (G0, G1...). */
  gateId: string;
  /** The host this gate runs on (a key of target.hosts, or 'local'). */
  host: string;
  /** Run a program with arguments (no shell) and record it in the ledger. Never throws on a non-zero exit. */
  exec(file: string, args: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Run a shell command line through `sh -c`. */
  shell(commandLine: string, options?: ExecOptions): Promise<ExecResult>;
  /** Facts of earlier gates: `ctx.facts.get('G4', 'leaked')`. */
  facts: {
    get(gateId: string, name: string): FactValue | undefined;
    all(): Record<string, Facts>;
  };
  log: GateLogger;
  /** Aborted on timeout or on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** The target system (paths, hosts...). */
  target: TargetInfo;
  /** The run's identity. */
  run: RunInfo;
  /** A database of the target, by name (target.databases). */
  db(name: string): DbHandle;
  /** Hosts of the target: transfers and file operations that land in the ledger. */
  hosts: HostAccess;
  /** The target's knowledge base (kb.dir or kb.database). */
  kb: import('./kb/kb-store.js').KbAccess;
  /** Read-only file access on the gate's host; each call is a non-mutating `file.read` / `file.list` ledger entry. */
  files: FileAccess;
}

/** One entry of a directory listed by `ctx.files.list`; symlinks and special files are `other` (never followed). */
export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'other';
}

/** Read-only files on the gate's host (or `options.host`). A path that cannot be read makes read/list throw a FileAccessError. */
export interface FileAccess {
  /** The bytes of a file. */
  read(path: string, options?: { host?: string }): Promise<Buffer>;
  /** The entries of a directory, sorted by name. */
  list(dir: string, options?: { host?: string }): Promise<FileEntry[]>;
  /** True when something exists at the path (a dangling symlink does not count). */
  exists(path: string, options?: { host?: string }): Promise<boolean>;
}

/** Thrown by ctx.files when a file or directory cannot be read; its message names host, path and why. */
export class FileAccessError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly host: string,
  ) {
    super(message);
    this.name = 'FileAccessError';
  }
}

/** A sql tag bound to one transaction (postgres.js TransactionSql). */
export type TxSql = import('postgres').TransactionSql<Record<string, never>>;

/** One database of the target. Reports show only `role@host:port/db`. */
export interface DbHandle {
  /** `role@host:port/db`, never the password. */
  readonly display: string;
  /** A READ ONLY transaction. */
  readOnly<T>(fn: (sql: TxSql) => Promise<T>): Promise<T>;
  /** BEGIN; optional SET LOCAL ROLE; fn; ROLLBACK on every path. Never commits. `onEnd` gets the ledger's record of how it ended. */
  rollbackOnly<T>(fn: (sql: TxSql) => Promise<T>, options?: { role?: string; onEnd?: (record: TxRecord) => void }): Promise<T>;
  /** Row counts on an independent connection (autocommit, read only). */
  count(sqlText: string, params?: unknown[]): Promise<number>;
  /** Every readable sequence's state on the independent connection (sequences ignore ROLLBACK, so proofs compare
   * these), and the sequences this login may not read. */
  sequences(): Promise<{ states: Record<string, { last_value: string; is_called: boolean }>; unreadable: string[] }>;
  /** True when an error from this handle means the server was unreachable or the session died (not a proof result). */
  isConnectError(e: unknown): boolean;
}

/** How a transaction ended, as the ledger recorded it (the `db.tx` entry). */
export interface TxRecord {
  ledgerSeq: number;
  outcome: 'rolled-back' | 'read-only' | 'error' | 'aborted' | 'committed';
  statements: number;
}

/** File and transfer operations on a host; all recorded in the ledger. */
export interface HostAccess {
  /** Copies a local file to a host path (scp for SSH hosts). */
  copy(
    localPath: string,
    host: string,
    remotePath: string,
    options?: { mutates?: boolean; scope?: 'run' | 'source' | 'deploy' },
  ): Promise<void>;
  /** `user@host:port` or `local`, for reports. */
  display(host: string): string;
  /** True when the host is the machine gaterun runs on. */
  isLocal(host: string): boolean;
}

export interface TargetInfo {
  name: string;
  file: string | null;
  hosts: Record<string, string>;
  paths: Record<string, string>;
  /** Folder the target file's relative paths are resolved against. */
  baseDir?: string;
  [key: string]: unknown;
}

/** The run a gate belongs to. `title`, `kb` and `signature` are set for finalize gates. */
export interface RunInfo {
  id: string;
  macroId: string;
  dir: string;
  title?: string;
  kb?: { path: string; tags: string[] } | null;
  signature?: string;
}

/** A gate kind: an ESLint-rule-shaped module. `M` is its messages object, so message ids are typed. */
export interface GateModule<P = Record<string, unknown>, M extends Messages = Messages> {
  kind: string;
  /** One line: what the gate proves. */
  summary: string;
  /** JSON Schema of the gate's `with:` params (validated before any gate runs). */
  params: JSONSchemaType<P> | Record<string, unknown>;
  /** The facts the gate sets on PASS, by name, with what each holds (docs/gates.md, `gaterun explain`). */
  facts?: Record<string, string>;
  /** Messages by id: every FAIL/BLOCKED summary is one of these, formatted with the result's `data`. */
  messages: M;
  /** `finalize`: runs after the reports are rendered and signed (kb-publish); has no numbered report. */
  phase?: 'gates' | 'finalize';
  /**
   * Whether `run --resume` may reuse an earlier PASS of this kind. `present`: its truth is about now (a live host, a
   * database proof, a deploy), so it always runs again. `{reads, digest}`: what the gate reads, in words (docs), and
   * the digests of it, taken just before the gate runs and compared on resume; digest returns null when it cannot
   * say for these params. `after: true` (a gate that changes something, e.g. git-commit): the digest is of the state
   * the gate leaves, taken after it passed; on resume the gate is reused when that state is still in place (its
   * params are not compared: they may name facts its own change moved on, like the new HEAD).
   * Absent: it cannot say, so it runs again and so does every gate after it.
   */
  reuse?: 'present' | { reads: string; digest: InputsOf<P>; after?: boolean };
  /** Do the work. Return FAIL for an expected failure; a throw is a crash. */
  run(ctx: GateContext, params: P): Promise<GateResult>;
}

/** A kind's input digest function (method-style, so a kind's params type stays assignable to `unknown`). */
export type InputsOf<P> = { inputs(ctx: GateContext, params: P): Promise<InputDigest[] | null> }['inputs'];

/** One input a gate read, by what it is (`tree vps:/opt/app (cwd)`, `catalog of database production`) and its digest. */
export interface InputDigest {
  name: string;
  sha256: string;
  /** A tree's per-file list (`<sha256>  <path>` lines) behind the digest: the runner keeps it as inputs/<sha256>.txt in
   * the run dir (not in the record), so a later resume can say which files changed. */
  manifest?: string;
}

/** Declares a gate kind (identity function that keeps the params and message-id types). */
export function defineGate<P, M extends Messages = Messages>(module: GateModule<P, M>): GateModule<P, M> {
  return module;
}

/** The body of a result: checks, facts and evidence (each defaults to empty). */
export type ResultBody = Partial<Pick<GateResult, 'checks' | 'facts' | 'evidence'>>;

/** A result reported by message id, as ESLint's `context.report({messageId, data})`. */
export type Report<M extends Messages> = ResultBody & { messageId: keyof M & string; data?: MessageData };

/** Typed result builders of one gate kind; see `results`. */
export interface ResultBuilders<M extends Messages> {
  /** A passing result: a free summary, or a message id of the kind. */
  pass: (summary: string | Report<M>, body?: ResultBody) => GateResult;
  /** An expected failure (returned, not thrown). */
  fail: (report: Report<M>) => GateResult;
  /** A precondition outside the gate's control; nothing was attempted. */
  blocked: (report: Report<M>) => GateResult;
}

function build(status: GateResult['status'], messages: Messages, r: string | Report<Messages>, body: ResultBody = {}): GateResult {
  const b: ResultBody = typeof r === 'string' ? body : r;
  const out: GateResult = {
    status,
    summary: typeof r === 'string' ? r : message(messages[r.messageId] ?? r.messageId, r.data),
    checks: b.checks ?? [],
    facts: b.facts ?? {},
    evidence: b.evidence ?? [],
  };
  if (typeof r !== 'string') {
    out.messageId = r.messageId;
    if (r.data) out.data = r.data;
  }
  return out;
}

/** The result builders of a kind: `const { pass, fail, blocked } = results(messages)`; an unknown id is a type error. */
export function results<M extends Messages>(messages: M): ResultBuilders<M> {
  return {
    pass: (summary, body) => build('PASS', messages, summary, body),
    fail: (report) => build('FAIL', messages, report),
    blocked: (report) => build('BLOCKED', messages, report),
  };
}

type LegacyBody = ResultBody & { messageId?: string; data?: MessageData };

function legacy(status: GateResult['status'], summary: string, body: LegacyBody = {}): GateResult {
  const out: GateResult = { status, summary, checks: body.checks ?? [], facts: body.facts ?? {}, evidence: body.evidence ?? [] };
  if (body.messageId) out.messageId = body.messageId;
  if (body.data) out.data = body.data;
  return out;
}

// The shared checks in src/checks (precheck, manifest-verify, untouched) build results with a summary already
// formatted from their messages and name the messageId; the runner still checks that the id is one of the kind's.
/** A passing result with a formatted summary (shared checks; gates use `results(messages)`). */
export const pass = (summary: string, body?: LegacyBody) => legacy('PASS', summary, body);
/** An expected failure with a formatted summary and its messageId (shared checks). */
export const fail = (summary: string, body?: LegacyBody) => legacy('FAIL', summary, body);
/** A precondition outside the check's control, with a formatted summary and its messageId (shared checks). */
export const blocked = (summary: string, body?: LegacyBody) => legacy('BLOCKED', summary, body);

/** Messages every kind that runs on a host spreads into its own (`...hostMessages`), for `hostBlocked`. */
export const hostMessages = {
  unreachable: '{host}: {reason}; nothing was attempted',
};

/** Fills `{name}` placeholders of a message template. */
export function message(template: string, data: MessageData = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in data ? String(data[k]) : m));
}

/** Problems with the shape of a gate's returned value (status, summary, checks, evidence, facts). */
export function resultShapeProblems(r: unknown): string[] {
  if (!r || typeof r !== 'object') return ['the gate returned no object'];
  const x = r as Partial<GateResult>;
  const p: string[] = [];
  if (!['PASS', 'FAIL', 'BLOCKED'].includes(String(x.status)))
    p.push(`status must be PASS, FAIL or BLOCKED, got ${JSON.stringify(x.status)}`);
  if (x.summary !== undefined && typeof x.summary !== 'string') p.push('summary must be a string');
  if (!Array.isArray(x.checks)) p.push('checks must be a list');
  if (!Array.isArray(x.evidence)) p.push('evidence must be a list');
  if (!x.facts || typeof x.facts !== 'object' || Array.isArray(x.facts)) p.push('facts must be a mapping');
  if (x.data !== undefined && (!x.data || typeof x.data !== 'object' || Array.isArray(x.data))) p.push('data must be a mapping');
  return p;
}

/** A checked result, or the problems that make it a gate bug (EGATEOUTPUT). */
export type FormattedResult = { ok: true; result: GateResult } | { ok: false; problems: string[] };

/**
 * Checks a gate's returned value against its kind and formats the summary from `{messageId, data}` (the framework
 * formats, as ESLint does). FAIL/BLOCKED without a messageId, an id the kind's messages lack, or a bad shape is a
 * gate bug: the caller records it as EGATEOUTPUT.
 */
export function formatResult(module: Pick<GateModule<unknown>, 'kind' | 'messages'>, raw: unknown): FormattedResult {
  const problems = resultShapeProblems(raw);
  if (problems.length) return { ok: false, problems };
  const r = raw as GateResult;
  if (r.messageId === undefined) {
    if (r.status !== 'PASS') return { ok: false, problems: [`a ${r.status} result must name a messageId of the ${module.kind} messages`] };
    if (typeof r.summary !== 'string') return { ok: false, problems: ['a PASS result needs a summary or a messageId'] };
    return { ok: true, result: r };
  }
  if (typeof r.messageId !== 'string' || !Object.hasOwn(module.messages, r.messageId))
    return {
      ok: false,
      problems: [
        `messageId ${JSON.stringify(r.messageId)} is not one of the ${module.kind} messages (${Object.keys(module.messages).join(', ')})`,
      ],
    };
  // A summary built from the same message by a shared check (no `data`) is kept as it was formatted there.
  if (r.data === undefined && typeof r.summary === 'string' && r.summary) return { ok: true, result: r };
  return { ok: true, result: { ...r, summary: message(module.messages[r.messageId], r.data) } };
}
