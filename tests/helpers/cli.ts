// Runs the built gaterun CLI (dist/) as a real child process.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(repoRoot, 'dist', 'src', 'cli.js');

// Tests never see the developer's own keys: the config dir is an empty temp dir.
const configHome = mkdtempSync(join(tmpdir(), 'gaterun-config-'));

/** Environment for CLI runs: isolated config dir, no signing key unless a test passes one. */
export const cliEnv = { CI: 'true', XDG_CONFIG_HOME: configHome, GATERUN_SIGNING_KEY: '' };

/** Runs `gaterun ...args` and resolves with exit code and output (never rejects). */
export function gaterun(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): ResultPromise<{ reject: false; all: true }> {
  return execa('node', [cliPath, ...args], { cwd: opts.cwd ?? repoRoot, env: { ...cliEnv, ...opts.env }, reject: false, all: true });
}
