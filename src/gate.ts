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

/** What a gate returns. */
export interface GateResult {
  status: 'PASS' | 'FAIL' | 'BLOCKED';
  summary: string;
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

/** A gate kind: an ESLint-rule-shaped module. */
export interface GateModule<P = Record<string, unknown>> {
  kind: string;
  /** One line: what the gate proves. */
  summary: string;
  /** JSON Schema of the gate's `with:` params (validated before any gate runs). */
  params: JSONSchemaType<P> | Record<string, unknown>;
  /** Messages by id, used for FAIL summaries and GateTester tables. */
  messages?: Record<string, string>;
  /** The facts the gate sets on PASS, by name, with what each holds (docs/gates.md, `gaterun explain`). */
  facts?: Record<string, string>;
  /** `finalize`: runs after the reports are rendered and signed (kb-publish); has no numbered report. */
  phase?: 'gates' | 'finalize';
  /** Do the work. Return FAIL for an expected failure; a throw is a crash. */
  run(ctx: GateContext, params: P): Promise<GateResult>;
}

/** Declares a gate kind (identity function that keeps the types). */
export function defineGate<P>(module: GateModule<P>): GateModule<P> {
  return module;
}

type ResultBody = Partial<Pick<GateResult, 'checks' | 'facts' | 'evidence'>> & { messageId?: string };

function result(status: GateResult['status'], summary: string, body: ResultBody = {}): GateResult & { messageId?: string } {
  const out: GateResult & { messageId?: string } = {
    status,
    summary,
    checks: body.checks ?? [],
    facts: body.facts ?? {},
    evidence: body.evidence ?? [],
  };
  if (body.messageId) out.messageId = body.messageId;
  return out;
}

/** A passing result. */
export const pass = (summary: string, body?: ResultBody) => result('PASS', summary, body);
/** An expected failure (returned, not thrown). */
export const fail = (summary: string, body?: ResultBody) => result('FAIL', summary, body);
/** A precondition outside the gate's control; nothing was attempted. */
export const blocked = (summary: string, body?: ResultBody) => result('BLOCKED', summary, body);

/** Fills `{name}` placeholders of a message template. */
export function message(template: string, data: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in data ? String(data[k]) : m));
}
