// Builds the `ctx` a gate gets: the only door to processes, facts, hosts and databases.
import type { DbHandle, Facts, FactValue, GateContext, GateLogger, RunInfo, TargetInfo } from '../gate.js';
import { runExec } from './exec.js';
import { resolveHost, type HostSpec } from './hosts.js';
import type { Ledger } from './ledger.js';

export interface ContextDeps {
  gateId: string;
  host: string;
  ledger: Ledger;
  signal: AbortSignal;
  target: TargetInfo;
  run: RunInfo;
  facts: Record<string, Facts>;
  log: GateLogger;
  redact: (s: string) => string;
  /** Databases of the target; absent when the run has none wired. */
  db?: (name: string) => DbHandle;
}

/** Creates the context for one gate run. */
export function createContext(deps: ContextDeps): GateContext {
  const hostOf = (name: string): HostSpec => resolveHost(deps.target, name);
  const execDeps = { ledger: deps.ledger, gateId: deps.gateId, host: hostOf(deps.host), signal: deps.signal, redact: deps.redact, resolveHost: hostOf };
  const ctx: GateContext = {
    gateId: deps.gateId,
    host: deps.host,
    exec: (file, args, options) => runExec(execDeps, file, args, options),
    shell: (line, options) => runExec(execDeps, 'sh', ['-c', line], options),
    facts: {
      get: (gateId: string, name: string): FactValue | undefined => {
        let cur: unknown = deps.facts[gateId];
        for (const seg of name.split('.')) {
          if (cur === null || typeof cur !== 'object' || !(seg in (cur as object))) return undefined;
          cur = (cur as Record<string, unknown>)[seg];
        }
        return cur as FactValue;
      },
      all: () => structuredClone(deps.facts),
    },
    log: deps.log,
    signal: deps.signal,
    target: deps.target,
    run: deps.run,
    db: (name: string) => {
      if (!deps.db) throw new Error(`database "${name}": this run has no database access wired`);
      return deps.db(name);
    },
    hosts: {
      display: (name) => {
        const h = hostOf(name);
        return h.kind === 'local' ? 'local' : `${h.user}@${h.hostname}:${h.port}`;
      },
      isLocal: (name) => hostOf(name).kind === 'local',
      copy: async (localPath, host, remotePath, options) => {
        const h = hostOf(host);
        const opts = { mutates: options?.mutates ?? true, scope: options?.scope ?? 'deploy' } as const;
        const r = h.kind === 'local'
          ? await runExec(execDeps, 'cp', ['--', localPath, remotePath], opts)
          : await runExec({ ...execDeps, host: { name: 'local', kind: 'local', url: 'local' } }, 'scp', ['-q', localPath, `${h.user}@${h.hostname}:${remotePath}`], opts);
        if (r.exitCode !== 0) throw new Error(`copy to ${host}:${remotePath} failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n')[0]}`);
      },
    },
  };
  return ctx;
}
