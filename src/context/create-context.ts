// Builds the `ctx` a gate gets: the only door to processes, facts, hosts and databases.
import type { DbHandle, Facts, FactValue, GateContext, GateLogger, RunInfo, TargetInfo } from '../gate.js';
import { lookupFact } from '../macro/facts.js';
import { runExec } from './exec.js';
import { createFileAccess } from './files.js';
import { throttleLines } from './output-line.js';
import { copyToHost, hostDisplay, resolveHost, type HostSpec } from './hosts.js';
import type { Ledger } from './ledger.js';
import { kbAccessFor, type KbAccess } from '../kb/kb-store.js';

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
  /** The target's knowledge base; default: the store the target names. */
  kb?: KbAccess;
}

/** Creates the context for one gate run. */
export function createContext(deps: ContextDeps): GateContext {
  const hostOf = (name: string): HostSpec => resolveHost(deps.target, name);
  const execDeps = {
    ledger: deps.ledger,
    gateId: deps.gateId,
    host: hostOf(deps.host),
    signal: deps.signal,
    redact: deps.redact,
    resolveHost: hostOf,
    runDir: deps.run.dir,
    target: deps.target,
    // The running command's last output line goes where the gate's own log goes (the runner's gate-output event).
    onLine: throttleLines((line) => deps.log.info(line)),
  };
  const ctx: GateContext = {
    gateId: deps.gateId,
    host: deps.host,
    exec: (file, args, options) => runExec(execDeps, file, args, options),
    shell: (line, options) => runExec(execDeps, 'sh', ['-c', line], options),
    facts: {
      get: (gateId: string, name: string): FactValue | undefined => lookupFact(deps.facts, `${gateId}.${name}`).value,
      all: () => structuredClone(deps.facts),
    },
    log: deps.log,
    signal: deps.signal,
    target: deps.target,
    run: deps.run,
    files: createFileAccess({
      ledger: deps.ledger,
      gateId: deps.gateId,
      host: hostOf(deps.host),
      resolveHost: hostOf,
      signal: deps.signal,
    }),
    db: (name: string) => {
      if (!deps.db) throw new Error(`database "${name}": this run has no database access wired`);
      return deps.db(name);
    },
    kb: deps.kb ?? kbAccessFor(deps.target),
    hosts: {
      display: (name) => hostDisplay(hostOf(name)),
      isLocal: (name) => hostOf(name).kind === 'local',
      copy: async (localPath, host, remotePath, options) => {
        const h = hostOf(host);
        const target = `${localPath} -> ${hostDisplay(h)}:${remotePath}`;
        const action = h.kind === 'ssh' ? 'scp' : 'file.copy';
        const mutating = options?.mutates ?? true;
        const scope = mutating ? (options?.scope ?? 'deploy') : undefined;
        deps.ledger.authorize({ gate: deps.gateId, action, target, host, mutating, scope });
        const r = await copyToHost(h, localPath, remotePath, deps.signal);
        // A copy is not a sandboxed command: its one destination is in the entry; say so for the attestation.
        deps.ledger.record({
          gate: deps.gateId,
          action,
          target,
          host,
          mutating,
          scope,
          outcome: r.ok ? 'ok' : 'error',
          detail: {
            sandbox: 'none',
            writable: [],
            sandboxNote: 'file copy (cp/scp): not sandboxed; writes the destination named in target',
          },
        });
        if (!r.ok)
          throw new Error(
            `copy to ${hostDisplay(h)}:${remotePath} failed (exit ${r.exitCode}): ${deps.redact(r.stderr.trim().split('\n')[0])}`,
          );
      },
    },
  };
  return ctx;
}
