// Everything a run needs around the runner core: target, macro, redactor primed with the target's secrets, signing key.
import type { TargetInfo } from '../gate.js';
import { findMacroFile, loadMacro } from '../macro/load-macro.js';
import { findSigningKey, loadPrivateKey } from '../report/keys.js';
import { assertFreshOutDir } from '../report/out-dir.js';
import { Redactor } from '../report/redact.js';
import { defaultTarget, loadTarget } from '../target/load-target.js';
import { runMacro, type RendererName, type RunResult } from './run-macro.js';

export interface ExecuteOptions {
  macro: string;
  targetFile?: string;
  outDir?: string;
  reportsDir?: string;
  renderer: RendererName;
  progressToStderr?: boolean;
  keyFlag?: string;
  /** Seconds to wait for the target's run lock. */
  waitLockS?: number;
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

/** A redactor that knows the environment's secrets, the target's .env secrets and its `secrets:` (see Redactor.forTarget). */
export function redactorFor(target: TargetInfo): Redactor {
  return Redactor.forTarget(target);
}

/** Loads target and macro (every problem before anything runs), finds the signing key, runs the macro. */
export async function executeRun(o: ExecuteOptions): Promise<RunResult> {
  if (o.outDir) assertFreshOutDir(o.outDir);
  const target = o.targetFile ? loadTarget(o.targetFile) : defaultTarget();
  const loaded = loadMacro(findMacroFile(o.macro), target);
  const keyAt = findSigningKey({ flag: o.keyFlag, targetKey: target.signing_key as string | undefined });
  const signingKey = keyAt ? loadPrivateKey(keyAt.path) : null;
  if (signingKey?.warning) o.warn?.(signingKey.warning);
  return runMacro({
    loaded,
    target,
    outDir: o.outDir,
    reportsDir: o.reportsDir,
    renderer: o.renderer,
    progressToStderr: o.progressToStderr,
    signal: o.signal,
    redactor: redactorFor(target),
    signingKey,
    waitLockS: o.waitLockS,
  });
}
