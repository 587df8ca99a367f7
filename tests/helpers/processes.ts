// Real child processes for kill tests: compiled fixtures under dist/, read line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/pg/sample-schema.js';

/** Path of a compiled fixture (the test command runs tsc before jest). */
export function compiledFixture(name: string): string {
  const file = path.join(packageRoot(), 'dist', 'tests', 'fixtures', `${name}.js`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -p tsconfig.json\` before jest`);
  return file;
}

/** Starts `node <fixture> ...args` and resolves with the child and its first stdout line matching `until`. */
export function startFixture(
  name: string,
  args: string[],
  until: RegExp,
  timeoutMs = 20000,
): Promise<{ child: ChildProcess; line: string; output: () => string }> {
  const child = spawn(process.execPath, [compiledFixture(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: no line matching ${until} within ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => until.test(l));
      if (line) {
        clearTimeout(timer);
        resolve({ child, line, output: () => out + err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) early: ${out}${err}`));
    });
  });
}

/** Sends SIGKILL and waits for the exit. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** Whether a pid is alive (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until cond() is true or the time is up; returns the last value of cond(). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return true;
    if (Date.now() - t0 > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
