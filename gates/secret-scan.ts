// secret-scan: finds secrets in a tree or a change set and reports file:line rule + digest, never the value.
import { treeInput } from '../src/checks/input-digest.js';
import { defineGate, hostMessages, results, type Check, type Evidence, type GateResult } from '../src/gate.js';
import {
  BUILTIN_RULES,
  allowList,
  customRules,
  isEnvFile,
  looksBinary,
  scanText,
  secretDigest,
  type SecretFinding,
} from '../src/files/secret-rules.js';
import { listFilesOnHost, readTextOnHost } from '../src/files/read-text.js';
import { readBlob } from '../src/git/git.js';
import { anyGlob } from '../src/files/glob.js';
import { byteOrder } from '../src/files/manifest.js';
import { hostBlocked } from '../src/files/host-ready.js';
import { computeChangeSet } from './change-set.js';

export interface SecretScanParams {
  path?: string;
  repo?: string;
  from?: string;
  to?: string;
  overlay?: string;
  base?: string;
  patterns?: { name: string; regex: string; flags?: string }[];
  allow?: string[];
  exclude?: string[];
  /** Files larger than this are listed as skipped, not scanned (default 2 MiB). */
  max_bytes?: number;
}

const messages = {
  ...hostMessages,
  found: '{count} secret finding(s) in {scope}: {list}',
  badInput: 'cannot scan: {error}',
  clean: 'no secrets in {files} file(s) ({rules} rules)',
};
const { pass, fail } = results(messages);

export default defineGate<SecretScanParams>({
  kind: 'secret-scan',
  summary: 'Scans a tree or a change set for private keys, passwords in URLs, access keys, tokens, .env files and custom patterns',
  facts: {
    findings: 'secrets found (0 on PASS)',
    files_scanned: 'files scanned',
    files_skipped: 'files not scanned (binary, too large)',
    rules: 'the rules applied',
    by_rule: 'findings per rule',
    locations: 'file:line and rule of each finding (values never shown)',
    scope: 'what was scanned',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      path: { description: 'tree mode: a folder to scan', type: 'string', minLength: 1 },
      repo: { description: 'change-set mode: a git repository', type: 'string', minLength: 1 },
      from: { description: 'change-set mode: first commit of the range', type: 'string' },
      to: { description: 'change-set mode: last commit of the range', type: 'string' },
      overlay: { description: 'change-set mode: an overlay folder', type: 'string' },
      base: { description: 'change-set mode: commit the overlay is compared with', type: 'string' },
      patterns: {
        description: 'extra rules: name and regular expression',
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'regex'],
          properties: {
            name: { description: 'rule name shown in findings', type: 'string' },
            regex: { description: 'regular expression', type: 'string' },
            flags: { description: 'regular expression flags (i, m, s, u)', type: 'string', pattern: '^[imsu]*$' },
          },
        },
      },
      allow: { description: 'values or globs that are known not to be secrets', type: 'array', items: { type: 'string' } },
      exclude: { description: 'globs not scanned', type: 'array', items: { type: 'string' } },
      max_bytes: { description: 'files larger than this are listed as skipped, not scanned (default 2 MiB)', type: 'integer', minimum: 1 },
    },
    oneOf: [{ required: ['path'] }, { required: ['repo'] }],
  },
  messages,
  reuse: {
    reads: 'the tree at `path`, every file but .git (repo/overlay scans cannot say)',
    digest: async (ctx, p) => (p.path && !p.repo && !p.overlay ? [await treeInput(ctx, p.path, 'scanned', { keepCaches: true })] : null),
  },
  async run(ctx, p) {
    const host = ctx.host;
    const unreachable = await hostBlocked(ctx, host);
    if (unreachable) return unreachable;
    let rules;
    try {
      rules = [...BUILTIN_RULES, ...customRules(p.patterns ?? [])];
    } catch (e) {
      return fail({ messageId: 'badInput', data: { error: `bad pattern: ${(e as Error).message}` } });
    }
    const allowed = allowList(p.allow ?? []);
    const excluded = anyGlob(p.exclude ?? []);
    const maxBytes = p.max_bytes ?? 2 * 1024 * 1024;
    const evidence: Evidence[] = [];
    // Each source yields (path, reader); the reader returns text or null (unreadable/binary).
    let targets: { path: string; size?: number; read: () => Promise<string | null> }[];
    let scope: string;
    if (p.path !== undefined) {
      const listed = await listFilesOnHost(ctx, p.path, host);
      evidence.push(listed.evidence);
      if (!listed.files) return fail({ messageId: 'badInput', data: { error: listed.error }, evidence });
      targets = listed.files.map((f) => ({ path: f.path, size: f.size, read: () => readTextOnHost(ctx, p.path!, f.path, host) }));
      scope = `tree ${p.path}`;
    } else {
      const cs = await computeChangeSet(ctx, { repo: p.repo!, from: p.from, to: p.to, overlay: p.overlay, base: p.base }, host);
      if ('status' in cs) return fail({ messageId: 'badInput', data: { error: cs.summary }, evidence: cs.evidence });
      evidence.push(...cs.evidence);
      const present = cs.files.filter((f) => f.status !== 'deleted');
      targets = present.map((f) => ({
        path: f.path,
        read: async () => {
          if (p.overlay !== undefined) return readTextOnHost(ctx, p.overlay, f.path, host);
          const r = await readBlob(ctx, p.repo!, cs.to!, f.path, host);
          return r.exitCode === 0 ? r.stdout : null;
        },
      }));
      scope = p.overlay !== undefined ? `overlay ${p.overlay}` : `change set ${cs.from!.slice(0, 7)}..${cs.to!.slice(0, 7)}`;
    }
    const findings: SecretFinding[] = [];
    const skipped: string[] = [];
    let scanned = 0;
    for (const t of targets) {
      if (excluded(t.path)) continue;
      if (isEnvFile(t.path) && !allowed(t.path, null)) {
        findings.push({ file: t.path, line: 0, rule: 'env-file', digest: secretDigest(t.path) });
      }
      if (t.size !== undefined && t.size > maxBytes) {
        skipped.push(`${t.path} (${t.size} bytes)`);
        continue;
      }
      const text = await t.read();
      if (text === null) {
        skipped.push(`${t.path} (unreadable)`);
        continue;
      }
      if (looksBinary(text)) continue;
      scanned++;
      findings.push(...scanText(t.path, text, rules, allowed));
    }
    findings.sort((a, b) => byteOrder(a.file, b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
    const byRule: Record<string, number> = {};
    for (const f of findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    const lines = findings.map((f) => `${f.file}:${f.line} ${f.rule} ${f.digest}`);
    const checks: Check[] = lines.map((text) => ({ id: 'SECRET', status: 'FAIL', text }));
    for (const s of skipped) checks.push({ status: 'INFO', text: `not scanned: ${s}` });
    const facts = {
      findings: findings.length,
      files_scanned: scanned,
      files_skipped: skipped.length,
      rules: rules.map((r) => r.name).concat('env-file'),
      by_rule: byRule,
      locations: lines,
      scope,
    };
    evidence.push({ kind: 'note', title: 'findings', text: lines.length ? lines.join('\n') : 'none' });
    const result: GateResult = findings.length
      ? fail({
          messageId: 'found',
          data: { count: findings.length, scope, list: `${lines.slice(0, 10).join(', ')}${lines.length > 10 ? ', …' : ''}` },
          checks,
          facts,
          evidence,
        })
      : pass(`no secrets in ${scanned} file(s) of ${scope} (${facts.rules.length} rules)`, {
          checks: [{ id: 'SECRETS', status: 'PASS', text: `0 findings in ${scanned} files` }, ...checks],
          facts,
          evidence,
        });
    return result;
  },
});
