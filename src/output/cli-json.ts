// `--json` v1 documents of list, plan, kb list and kb show (shapes in schemas/cli-output.schema.json).
import { gateKinds } from '../../gates/index.js';
import type { TargetInfo } from '../gate.js';
import type { KbShown } from '../kb/kb-document.js';
import type { LoadedMacro } from '../macro/types.js';
import { reportFileName } from '../report/render-report.js';

/** `gaterun list --json`: the folders searched, in order, and every macro found. */
export function listJson(
  macros: { id: string; title: string; gates: number; file: string; dir: string; error?: string }[],
  dirs: string[],
) {
  return {
    format_version: 1 as const,
    dirs,
    macros: macros.map((m) => ({ id: m.id, title: m.title, gates: m.gates, file: m.file, error: m.error ?? null })),
  };
}

/** `gaterun plan --json`: the checked macro and its gates in run order, with their report file names. */
export function planJson(loaded: LoadedMacro, target: TargetInfo) {
  const m = loaded.macro;
  const isFinalize = (kind: string) => gateKinds[kind]?.phase === 'finalize';
  const numbered = m.gates.filter((g) => !isFinalize(g.kind));
  return {
    format_version: 1 as const,
    valid: true,
    macro: { id: m.id, name: m.macro, title: m.title, outcome: m.outcome, mutation: m.mutation, file: loaded.file, sha256: loaded.sha256 },
    target: { name: target.name, file: target.file },
    gates: m.gates.map((g) => ({
      id: g.id,
      title: g.title,
      label: g.label ?? g.title,
      kind: g.kind,
      host: g.host ?? m.host ?? 'local',
      timeout_s: g.timeout ?? 600,
      report: isFinalize(g.kind) ? null : reportFileName(numbered.indexOf(g), g.title),
      after_signing: isFinalize(g.kind),
    })),
    criteria: m.criteria.map((c) => c.name),
    forbidden: m.forbidden.map((f) => f.name),
    next_action: m.next_action ?? 'STOP',
  };
}

/** `gaterun kb list --json`: where the KB was read and its documents (latest revision each). */
export function kbListJson(docs: { kbId: string; revision: number; path: string; title?: string; publishedAt?: string }[], where: string) {
  return {
    format_version: 1 as const,
    kb: where,
    documents: docs.map((d) => ({
      kb_id: d.kbId,
      revision: d.revision,
      path: d.path,
      title: d.title ?? null,
      published_at: d.publishedAt ?? null,
    })),
  };
}

/** `gaterun kb show --json`: one document revision with its text. */
export function kbShowJson(doc: KbShown) {
  return {
    format_version: 1 as const,
    kb_id: doc.kbId,
    revision: doc.revision,
    revisions: doc.revisions,
    path: doc.path,
    title: doc.title,
    text: doc.text,
  };
}
