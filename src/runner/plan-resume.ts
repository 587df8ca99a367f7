// `gaterun plan --resume`: gate by gate, "reuse" or "run again: <why>", from the same digests a resumed run takes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gateKinds } from '../../gates/index.js';
import type { Facts, GateModule, RunInfo, TargetInfo } from '../gate.js';
import { createContext } from '../context/create-context.js';
import { closeHosts } from '../context/hosts.js';
import { Ledger } from '../context/ledger.js';
import { errors } from '../errors.js';
import type { LoadedMacro } from '../macro/types.js';
import { acquire } from './acquire.js';
import { decideReuse, type ResumeSource } from './resume.js';
import { isFinalize, newRunId } from './run-macro.js';
import { resolveGateParams, resumeKey } from './run-gate.js';

/** One row of the resume plan. */
export interface ResumePlanRow {
  id: string;
  kind: string;
  action: 'reuse' | 'run again';
  why: string | null;
}

/**
 * Computes what `run --resume` would reuse, running no gate: each gate's params are resolved with the earlier run's
 * facts (the assumption: gates that run again produce the same facts), and its inputs are digested now (read-only
 * commands and a catalog read, in the ledger of a scratch run dir that is removed afterwards).
 */
export async function planResume(loaded: LoadedMacro, target: TargetInfo, src: ResumeSource): Promise<ResumePlanRow[]> {
  const { macro } = loaded;
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-plan-resume-'));
  const runId = newRunId(macro.id);
  const ledger = new Ledger('none', (s) => s);
  const signal = new AbortController().signal;
  const run: RunInfo = { id: runId, macroId: macro.id, dir };
  const main = macro.gates.filter((g) => !isFinalize(g));
  const res = await acquire({ target, specs: main, runId, ledger, redact: (s) => s, signal });
  const rows: ResumePlanRow[] = [];
  try {
    if (res.blocked)
      throw errors.resumeRefused(
        src.dir,
        res.blocked,
        'plan --resume digests the inputs like a run: it needs the run lock and the databases',
      );
    const facts: Record<string, Facts> = {};
    let brokenBy: string | null = null;
    for (const spec of main) {
      const module = gateKinds[spec.kind] as GateModule<unknown>;
      const earlier = src.records.get(spec.id);
      const resolved = resolveGateParams(spec, facts, run);
      const host = spec.host ?? macro.host ?? 'local';
      const ctx = createContext({
        gateId: spec.id,
        host,
        ledger,
        signal,
        target,
        run,
        facts,
        redact: (s) => s,
        db: res.dbAccess ? (name) => res.dbAccess!.db(name, { gateId: spec.id, signal }) : undefined,
        kb: res.kb,
        log: { info: () => {}, warn: () => {} },
      });
      const key = resolved.missing.length
        ? { spec_sha256: '', params_sha256: '', inputs: null, inputs_error: `unresolved ${resolved.missing.join(', ')}` }
        : await resumeKey({ spec, module }, resolved.value, ctx);
      const d = decideReuse(spec, module, key, src, brokenBy);
      if (!d.reuse && d.breaks && !brokenBy) brokenBy = spec.id;
      rows.push({ id: spec.id, kind: spec.kind, action: d.reuse ? 'reuse' : 'run again', why: d.reuse ? null : d.why });
      facts[spec.id] = earlier?.facts ?? {};
    }
    for (const spec of [...macro.finally, ...macro.gates.filter(isFinalize)])
      rows.push({ id: spec.id, kind: spec.kind, action: 'run again', why: isFinalize(spec) ? 'runs after signing' : 'a finally: gate' });
    return rows;
  } finally {
    await res.close();
    await closeHosts();
    rmSync(dir, { recursive: true, force: true });
  }
}
