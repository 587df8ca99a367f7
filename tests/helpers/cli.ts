// Runs the built gaterun CLI (dist/) as a real child process.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(repoRoot, 'dist', 'src', 'cli.js');

/** Runs `gaterun ...args` and resolves with exit code and output (never rejects). */
export function gaterun(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): ResultPromise<{ reject: false; all: true }> {
  return execa('node', [cliPath, ...args], { cwd: opts.cwd ?? repoRoot, env: { ...opts.env, CI: 'true' }, reject: false, all: true });
}
