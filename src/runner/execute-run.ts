// Everything a run needs around the runner core: target, macro, redactor primed with the target's secrets, signing key.
import type { TargetInfo } from '../gate.js';
import { findMacroFile, loadMacro } from '../macro/load-macro.js';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { errors } from '../errors.js';
import { findSigningKey, loadPrivateKey, type LoadedPrivateKey } from '../report/keys.js';
import { defaultTrustedKeys } from '../report/verify-bundle.js';
import { lastRunDir, loadResumeSource, type ResumeSource } from './resume.js';
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
  /** `--resume`: an earlier run dir of the macro, or `last`. */
  resume?: string;
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
  const resume = o.resume ? resumeSourceFor(o.resume, loaded.macro.id, target, signingKey, o.reportsDir) : undefined;
  return runMacro({
    resume,
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

/**
 * The earlier run `--resume` names (a run dir, or `last`: the newest run of the macro in the reports dir), checked:
 * it must verify with a trusted key (the default trusted keys, plus the public half of the key signing this run).
 */
export function resumeSourceFor(
  at: string,
  macroId: string,
  target: TargetInfo,
  signingKey: LoadedPrivateKey | KeyObject | null,
  reportsDir = 'reports',
): ResumeSource {
  const dir = at === 'last' ? lastRunDir(reportsDir, macroId) : at;
  if (!dir)
    throw errors.resumeRefused(
      'last',
      `no earlier run of ${macroId} in ${join(reportsDir, macroId)}`,
      'pass the run directory: --resume reports/<MACRO>/<run-id>',
    );
  const trustedKeys = defaultTrustedKeys().map((k) => k.key);
  const key = signingKey && 'keyid' in signingKey ? signingKey.key : signingKey;
  if (key) trustedKeys.push(key.type === 'public' ? key : createPublicKey(key));
  return loadResumeSource(dir, { macroId, trustedKeys, target });
}
