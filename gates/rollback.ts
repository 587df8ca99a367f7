// rollback: puts a backup directory back in place of the live one (rename swap) and verifies it.
import { defineGate, hostMessages, results, type Check, type Evidence } from '../src/gate.js';
import { readManifest, verifyTree } from '../src/deploy/verify-tree.js';
import { DEFAULT_VERIFY_IGNORES } from '../src/files/glob.js';
import { hostBlocked } from '../src/files/host-ready.js';
import { utcStamp } from './deploy.js';

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
  swap: 'swap failed (exit {code}): {error}',
  verify: 'restored tree does not match the manifest: {line}; {problems}',
  unreadable: '{error}',
};
const { pass, fail } = results(messages);

// Same two-rename shape as deploy's promote; the displaced tree is kept, never deleted.
const SWAP = `set -u
live=$1; backup=$2; displaced=$3
[ -d "$backup" ] || exit 20
if [ -e "$live" ]; then mv -T -- "$live" "$displaced" || exit 21; fi
if ! mv -T -- "$backup" "$live"; then
  [ -e "$displaced" ] && mv -T -- "$displaced" "$live"
  exit 22
fi`;

export default defineGate<RollbackParams>({
  kind: 'rollback',
  summary: 'Restores a backup directory in place of the live one by rename and verifies it against a manifest',
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['dir', 'backup'],
    properties: {
      dir: { type: 'string', pattern: '^/.+[^/]$' },
      backup: { type: 'string', pattern: '^/.+[^/]$' },
      manifest: { type: 'string', minLength: 1 },
      manifest_host: { type: 'string', minLength: 1 },
      ignore: { type: 'array', items: { type: 'string' } },
    },
  },
  messages,
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
      if (!m.manifest) return fail({ messageId: 'unreadable', data: { error: m.error }, evidence });
      manifest = m.manifest;
    }
    const displaced = `${p.dir}.rolled-back-${utcStamp(new Date())}`;
    const s = await ctx.exec('sh', ['-c', SWAP, 'sh', p.dir, p.backup, displaced], { host, mutates: true, scope: 'deploy' });
    evidence.push({ ...s.evidence, title: 'swap backup into place' });
    if (s.exitCode === 20)
      return fail({
        messageId: 'noBackup',
        data: { backup: p.backup, host: where },
        evidence,
        facts: { restored: false },
      });
    if (s.exitCode !== 0)
      return fail({ messageId: 'swap', data: { code: s.exitCode, error: s.stderr.trim() }, evidence, facts: { restored: false } });
    checks.push({ id: 'SWAP', status: 'PASS', text: `${p.backup} -> ${p.dir}; previous tree kept at ${displaced}` });
    const facts: Record<string, string | number | boolean | null> = {
      restored: true,
      restored_from: p.backup,
      displaced,
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
        return fail({
          messageId: 'verify',
          data: { line: v.line, problems: v.problems.slice(0, 10).join(', ') },
          checks,
          facts,
          evidence,
        });
      return pass(`rolled back ${where}:${p.dir} to ${p.backup}; ${v.line}`, { checks, facts, evidence });
    }
    return pass(`rolled back ${where}:${p.dir} to ${p.backup} (no manifest given: not verified)`, { checks, facts, evidence });
  },
});
