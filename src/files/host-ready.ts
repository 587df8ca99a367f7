// The BLOCKED-before-anything check a gate runs on its host.
import { hostMessages, results, type GateContext, type GateResult } from '../gate.js';
import { sshFailureReason } from '../context/hosts.js';

/** Runs `true` on the host; returns a BLOCKED result naming the host when it cannot be reached, else null. */
export async function hostBlocked(ctx: GateContext, host: string): Promise<GateResult | null> {
  if (ctx.hosts.isLocal(host)) return null;
  const r = await ctx.exec('true', [], { host });
  if (r.exitCode === 0) return null;
  const reason =
    sshFailureReason(ctx.hosts.display(host), r.exitCode, r.stderr) ?? `host ${ctx.hosts.display(host)}: \`true\` exited ${r.exitCode}`;
  return results(hostMessages).blocked({
    messageId: 'unreachable',
    data: { host, reason },
    checks: [{ id: 'HOST', status: 'FAIL', text: reason }],
    facts: { host, reachable: false },
    evidence: [{ ...r.evidence, title: `reach ${ctx.hosts.display(host)}` }],
  });
}
