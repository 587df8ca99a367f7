// Environment variables a test sets, put back after each test (register `afterEach(restoreEnv)`).
const saved = new Map<string, string | undefined>();

/** Sets process.env[name] for the current test, remembering the value it had before. */
export function setTestEnv(name: string, value: string): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  process.env[name] = value;
}

/** Puts back every variable setTestEnv changed (deleting the ones that did not exist). */
export function restoreEnv(): void {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
}
