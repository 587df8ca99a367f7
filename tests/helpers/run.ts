// Real child processes for tests (execa, no shell unless asked).
import { execa } from 'execa';

/** Runs a program and throws with its stderr when it exits non-zero. */
export async function run(
  file: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const r = await execa(file, args, { cwd: options.cwd, input: options.input, env: options.env, reject: false });
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a shell command line and returns stdout. */
export async function sh(commandLine: string, cwd?: string): Promise<string> {
  return run('sh', ['-c', commandLine], { cwd });
}
