// rollback: points the live path at a backup tree again (one atomic switch, as deploy's promote) and verifies it.
import { defineGate, fail, pass, type Check, type Evidence, hostMessages } from '../src/gate.js';
import { readManifest, verifyTree } from '../src/deploy/verify-tree.js';
import { DEFAULT_VERIFY_IGNORES } from '../src/files/glob.js';
import { hostBlocked } from '../src/files/host-ready.js';
import { utcStamp } from './deploy.js';
import { describeSwitch, linkNameFor, switchLive } from '../src/deploy/switch-live.js';

export interface RollbackParams {
  dir: string;
  backup: string;
  /** Manifest the restored tree must match (e.g. the previous release's DEPLOY-MANIFEST). */
  manifest?: string;
  manifest_host?: string;
  ignore?: string[];
}

const messages = {
  ...hostMessages,
  noBackup: 'backup {backup} does not exist on {host}; nothing was changed',
  swap: 'swap failed: {error}',
  verify: 'restored tree does not match the manifest: {line}',
};

export default defineGate<RollbackParams>({
  kind: 'rollback',
  summary: 'Switches the live path back to a backup tree atomically (symlink rename) and verifies it against a manifest',
  facts: {
    restored: 'whether the backup was swapped in',
    restored_from: 'the backup used',
    displaced: 'where the replaced tree was kept',
    dir: 'the directory restored',
    host: 'the host',
    matched: 'with manifest: files matching it after the swap',
    total: 'with manifest: files in it',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['dir', 'backup'],
    properties: {
      dir: { description: 'the live directory to restore', type: 'string', pattern: '^/.+[^/]$' },
      backup: { description: 'the backup directory swapped in by rename', type: 'string', pattern: '^/.+[^/]$' },
      manifest: {
        description: "manifest the restored tree must match (e.g. the previous release's DEPLOY-MANIFEST)",
        type: 'string',
        minLength: 1,
      },
      manifest_host: { description: 'host that holds the manifest (default local)', type: 'string', minLength: 1 },
      ignore: { description: 'globs counted as ignored, not extra', type: 'array', items: { type: 'string' } },
    },
  },
  messages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  async run(ctx, p) {
    const host = ctx.host;
    const unreachable = await hostBlocked(ctx, host);
    if (unreachable) return unreachable;
    const where = ctx.hosts.display(host);
    const evidence: Evidence[] = [];
    const checks: Check[] = [];
    let manifest: Map<string, string> | null = null;
    if (p.manifest) {
      const m = await readManifest(ctx, p.manifest, p.manifest_host ?? 'local');
      evidence.push(m.evidence);
      if (!m.manifest) return fail(m.error!, { messageId: 'verify', evidence });
      manifest = m.manifest;
    }
    const stamp = utcStamp(new Date());
    const displaced = `${p.dir}.rolled-back-${stamp}`;
    const s = await switchLive(ctx, {
      host,
      live: p.dir,
      tree: p.backup,
      aside: displaced,
      link: linkNameFor(p.dir, stamp),
      title: 'switch the live path to the backup',
    });
    evidence.push(s.evidence);
    if (s.code === 20)
      return fail(`backup ${p.backup} does not exist on ${where}; nothing was changed`, {
        messageId: 'noBackup',
        evidence,
        facts: { restored: false },
      });
    if (!s.ok) return fail(`swap failed: ${s.error}`, { messageId: 'swap', evidence, facts: { restored: s.switched, switch: s.mode } });
    checks.push({
      id: 'SWAP',
      status: s.mode === 'two-renames' ? 'INFO' : 'PASS',
      text: `${p.dir} -> ${p.backup}: ${describeSwitch(s.mode)}; ${s.previous ? `previous tree kept at ${s.previous}` : 'no previous tree'}`,
    });
    const facts: Record<string, string | number | boolean | null> = {
      restored: true,
      restored_from: p.backup,
      displaced: s.previous,
      switch: s.mode,
      dir: p.dir,
      host,
    };
    if (manifest) {
      const v = await verifyTree(ctx, p.dir, manifest, { host, ignore: p.ignore ?? DEFAULT_VERIFY_IGNORES });
      evidence.push(v.evidence);
      facts.matched = v.comparison?.matched ?? 0;
      facts.total = v.comparison?.total ?? manifest.size;
      checks.push({
        id: 'VERIFY',
        status: v.exact ? 'PASS' : 'FAIL',
        text: `restored tree ${v.line}${v.problems.length ? `: ${v.problems.slice(0, 10).join(', ')}` : ''}`,
      });
      if (!v.exact)
        return fail(`restored tree does not match the manifest: ${v.line}; ${v.problems.slice(0, 10).join(', ')}`, {
          messageId: 'verify',
          checks,
          facts,
          evidence,
        });
      return pass(`rolled back ${where}:${p.dir} to ${p.backup}; ${v.line}`, { checks, facts, evidence });
    }
    return pass(`rolled back ${where}:${p.dir} to ${p.backup} (no manifest given: not verified)`, { checks, facts, evidence });
  },
});
