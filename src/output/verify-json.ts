// `gaterun verify --json` v1: what was checked, what is wrong, and the verdict the exit code gives
// (schemas/verify-output.schema.json).
import type { PolicyProblem, VerifyPolicy, VerifyResult } from '../report/verify-bundle.js';

/** The verdict of `verify` and its exit code: 0 verified · 4 policy not met (or no trusted signature) · 5 invalid. */
export type VerifyStatus = 'verified' | 'policy_not_met' | 'invalid';

/** The exit code `verify` ends with for a result and the policy problems found. */
export function verifyExitCode(result: VerifyResult, policyProblems: PolicyProblem[]): 0 | 4 | 5 {
  if (!result.ok) return result.problems.every((p) => p.code === 'unknown-key') ? 4 : 5;
  return policyProblems.length ? 4 : 0;
}

/** Builds the `--json` v1 document of `gaterun verify` (snake_case keys; absent values are null). */
export function verifyJson(runDir: string, result: VerifyResult, policy: VerifyPolicy, policyProblems: PolicyProblem[]) {
  const exitCode = verifyExitCode(result, policyProblems);
  const status: VerifyStatus = exitCode === 0 ? 'verified' : exitCode === 4 ? 'policy_not_met' : 'invalid';
  const o = result.outcome;
  return {
    format_version: 1 as const,
    run_dir: runDir,
    status,
    exit_code: exitCode,
    bundle_ok: result.ok,
    keyid: result.keyid ?? null,
    problems: result.problems.map((p) => ({ code: p.code, file: p.file ?? null, message: p.message })),
    outcome: o
      ? {
          code: o.code,
          verification_result: o.verificationResult,
          verifier: o.verifier,
          time_verified: o.timeVerified,
          resource_uri: o.resourceUri,
          policy: { uri: o.policy.uri, sha256: o.policy.sha256 },
          macro_id: o.macroId ?? null,
          ledger_sha256: o.ledgerSha256 ?? null,
          resumed_from: o.resumedFrom ?? null,
          files: o.files,
        }
      : null,
    policy: {
      require: policy.require ?? null,
      macro: policy.macro ?? null,
      max_age: policy.maxAge?.text ?? null,
    },
    // Policies are read from the signed statement, so they are checked only once the bundle verifies.
    policy_checked: result.ok && !!o,
    policy_problems: policyProblems.map((p) => ({ policy: p.policy, message: p.message })),
  };
}
