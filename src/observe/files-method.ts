// How a run knows what its commands did to files, per host: enforced (sandbox), observed
// (protected paths), or declared only — the `changes_outside_run_dir` line of the attestation.
import type { LedgerEntry } from '../context/ledger.js';

/** The method behind `changes_outside_run_dir` on one host. */
export interface HostFilesMethod {
  host: string;
  /** Commands run on the host (exec/ssh ledger entries that record a sandbox). */
  commands: number;
  /** Of those, run in bwrap. */
  enforced: number;
  /** Of those, run unconfined, with their ledger seqs and reasons. */
  unconfined: { seq: number; reason: string }[];
  /** Protected paths the target lists for the host. */
  protectedPaths: number;
  /** Strongest source: enforced when every command was sandboxed, observed when paths are protected, else declared only. */
  method: 'enforced' | 'observed' | 'declared only';
  /** One line for the report, e.g. `enforced (sandbox, 42 commands); observed (2 protected paths)`. */
  text: string;
}

/** Per host of the run (and of `protect`), how file changes outside the run dir are known; computed from the ledger. */
export function filesMethodByHost(entries: LedgerEntry[], protect: Record<string, string[]> = {}): HostFilesMethod[] {
  const hosts = [...new Set([...entries.map((e) => e.host), ...Object.keys(protect)])].sort();
  return hosts.map((host) => {
    const cmds = entries.filter(
      (e) =>
        e.host === host && (e.action === 'exec' || e.action === 'ssh') && typeof (e.detail as { sandbox?: unknown })?.sandbox === 'string',
    );
    const enforced = cmds.filter((e) => (e.detail as { sandbox: string }).sandbox === 'bwrap').length;
    const unconfined = cmds
      .filter((e) => (e.detail as { sandbox: string }).sandbox !== 'bwrap')
      .map((e) => ({ seq: e.seq, reason: String((e.detail as { sandboxNote?: string }).sandboxNote ?? 'no sandbox') }));
    const protectedPaths = (protect[host] ?? []).length;
    const parts: string[] = [];
    if (cmds.length && enforced === cmds.length) parts.push(`enforced (sandbox, ${enforced} command${enforced === 1 ? '' : 's'})`);
    else if (enforced)
      parts.push(
        `enforced for ${enforced} of ${cmds.length} commands (unconfined: ${unconfined
          .slice(0, 5)
          .map((u) => `#${u.seq} ${u.reason}`)
          .join('; ')}${unconfined.length > 5 ? '; …' : ''})`,
      );
    if (protectedPaths) parts.push(`observed (${protectedPaths} protected path${protectedPaths === 1 ? '' : 's'})`);
    const method = cmds.length && enforced === cmds.length ? 'enforced' : protectedPaths ? 'observed' : 'declared only';
    if (!parts.length || (method === 'declared only' && !enforced))
      parts.push(`declared only${unconfined.length ? ` (no sandbox: ${unconfined[0].reason})` : cmds.length ? '' : ' (no commands)'}`);
    return { host, commands: cmds.length, enforced, unconfined, protectedPaths, method, text: parts.join('; ') };
  });
}
