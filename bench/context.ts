// The runner's real gate context for benchmarks (local host, deploy policy, a throwaway run dir).
import type { GateContext } from '../src/gate.js';
import { createContext } from '../src/context/create-context.js';
import { Ledger } from '../src/context/ledger.js';

/** A context like the one a gate gets in a run. */
export function benchContext(runDir: string): GateContext {
  return createContext({
    gateId: 'G0',
    host: 'local',
    ledger: new Ledger('deploy'),
    signal: new AbortController().signal,
    target: {
      name: 'bench',
      file: null,
      hosts: { local: 'local' },
      hostSpecs: { local: { name: 'local', kind: 'local', url: 'local' } },
      paths: {},
    },
    run: { id: 'bench', macroId: 'BENCH', dir: runDir },
    facts: {},
    log: { info: () => undefined, warn: () => undefined },
    redact: (s) => s,
  });
}
