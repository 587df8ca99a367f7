// Builds the demo's fresh workspace: the engineer's source repo with history, the O8A staging overlay,
// a "VPS" with the deployed v0.6 and the v0.4 skeleton, a KB, a signing key and the target file.
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errors } from '../errors.js';
import { packagePath } from '../paths.js';
import { generateKeyPair } from '../report/keys.js';

const MARKER = '.gaterun-demo-workspace';
/** Fixed identity and dates, so the demo's commits (and artifacts) are the same on every machine. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'iu-cutter engineer',
  GIT_AUTHOR_EMAIL: 'engineer@iu-cutter.example',
  GIT_COMMITTER_NAME: 'iu-cutter engineer',
  GIT_COMMITTER_EMAIL: 'engineer@iu-cutter.example',
};

export interface Workspace {
  root: string;
  source: string;
  staging: string;
  deployDir: string;
  v04Dir: string;
  kbDir: string;
  reportsDir: string;
  keys: { privatePath: string; publicPath: string; keyid: string };
  targetFile: string;
  baseline: string;
  v04Head: string;
}

export interface WorkspaceOptions {
  /** Blank the O8C proof's title, so fn_iu_create refuses (the F2 failure mode) and O8C fails at G4. */
  breakProof?: boolean;
}

/** The example system's files in the package. */
export const example = (...p: string[]) => packagePath('examples', 'iu-cutter', ...p);

const copyTree = (from: string, to: string) => cpSync(from, to, { recursive: true, filter: (s) => !/__pycache__|\.pyc$/.test(s) });

/** Copies an overlay's files over a tree (overlays never delete). */
export function applyOverlay(overlay: string, tree: string): void {
  copyTree(overlay, tree);
}

async function git(cwd: string, args: string[], date?: string): Promise<string> {
  const env = { ...GIT_ENV, ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}) };
  const r = await execa('git', args, { cwd, env });
  return r.stdout.trim();
}

/** Makes (or remakes) the workspace; refuses to wipe a non-empty folder it did not create. */
export async function buildWorkspace(dir: string, opts: WorkspaceOptions = {}): Promise<Workspace> {
  const root = resolve(dir);
  if (existsSync(root) && readdirSync(root).length && !existsSync(join(root, MARKER))) {
    throw errors.workspaceNotEmpty(root);
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, MARKER), 'made by gaterun demo; wiped and rebuilt on every demo run\n');

  // The engineer's SSOT repo: two commits of history, ending at the O4 baseline.
  const source = join(root, 'mac', 'iu-cutter');
  mkdirSync(source, { recursive: true });
  await git(source, ['init', '-q', '-b', 'main']);
  // The macros commit in this repo (O8B/O8D/O8F git-commit gates) with whatever git config the machine has; CI runners
  // often have no identity at all, so the demo's own repo carries the engineer's.
  await git(source, ['config', 'user.name', GIT_ENV.GIT_AUTHOR_NAME]);
  await git(source, ['config', 'user.email', GIT_ENV.GIT_AUTHOR_EMAIL]);
  copyTree(example('src', 'README.md'), join(source, 'README.md'));
  copyTree(example('src', '.gitignore'), join(source, '.gitignore'));
  await git(source, ['add', '-A']);
  await git(source, ['commit', '-qm', 'iu-cutter v0.6: repository skeleton'], '2026-05-01T09:00:00Z');
  copyTree(example('src'), source);
  await git(source, ['add', '-A']);
  await git(source, ['commit', '-qm', 'iu-cutter v0.6: O4 live dry-run orchestration'], '2026-05-10T09:00:00Z');
  const baseline = await git(source, ['rev-parse', 'HEAD']);

  // The O8A change set as it sits in staging, waiting for O8B to reconcile it.
  const staging = join(root, 'mac', 'staging', 'o8a-live-wiring');
  copyTree(example('changes', 'o8a-live-wiring'), staging);

  // The VPS: v0.6 deployed side by side with the older v0.4 skeleton (a git checkout that must stay untouched).
  const dot = join(root, 'vps', 'opt', 'dot');
  const deployDir = join(dot, 'iu-cutter-v0.6');
  copyTree(example('src'), deployDir);
  const v04Dir = join(dot, 'iu-cutter');
  copyTree(example('v0.4-skeleton'), v04Dir);
  await git(v04Dir, ['init', '-q', '-b', 'main']);
  await git(v04Dir, ['add', '-A']);
  await git(v04Dir, ['commit', '-qm', 'iu-cutter v0.4 skeleton'], '2026-03-01T09:00:00Z');
  const v04Head = await git(v04Dir, ['rev-parse', 'HEAD']);

  // The work packages and matrices the O8C/O8E/O8F gates render (written by the engineer, not computed).
  copyTree(example('packages'), join(root, 'mac', 'packages'));

  const kbDir = join(root, 'kb');
  const reportsDir = join(root, 'reports');
  mkdirSync(kbDir, { recursive: true });
  mkdirSync(reportsDir, { recursive: true });
  const keys = generateKeyPair(join(root, 'keys'));

  const targetFile = join(root, 'target.yaml');
  writeFileSync(targetFile, targetYaml({ baseline, v04Head, proofTitle: opts.breakProof ? '' : 'O8C rollback-only probe' }));
  return { root, source, staging, deployDir, v04Dir, kbDir, reportsDir, keys, targetFile, baseline, v04Head };
}

/** The demo's target file: every path relative to the workspace; the database URL comes from the environment. */
export function targetYaml(v: { baseline: string; v04Head: string; proofTitle: string }): string {
  return `# The iu-cutter demo target, written by \`gaterun demo\`. Paths are relative to this file.
name: iu-cutter-demo
description: iu-cutter v0.6 on the demo workspace (engineer's machine + a local "VPS" folder + embedded PostgreSQL)
hosts:
  source: local
  vps: local
paths:
  source: mac/iu-cutter
  staging: mac/staging
  overlay_o8a: mac/staging/o8a-live-wiring
  deploy: vps/opt/dot/iu-cutter-v0.6
  v04: vps/opt/dot/iu-cutter
  artifacts: artifacts
  reports: reports
  keys: keys
  public_key: keys/signing-key.pub.pem
  packages: mac/packages
values:
  baseline: ${v.baseline}
  v04_head: ${v.v04Head}
  probe_prefix: ICX-CONST/O8C-RB-PROBE
  # The O8C G4 proof row; \`gaterun demo --break proof\` blanks the title (fn_iu_create then refuses it).
  proof_title: ${JSON.stringify(v.proofTitle)}
  proof_body: "Probe body: one clause cut from the sample constitution, written inside a transaction that is rolled back."
  o8d_probe_prefix: ICX-CONST/O8D-RB-PROBE
  o8f_probe_prefix: ICX-CONST/O8F-RB-PROBE
databases:
  # Watched: every table and sequence of both schemas and the catalog, fingerprinted on an independent connection.
  production: { url_env: GATERUN_DEMO_DATABASE_URL, watch: [public, cutter_governance] }
# Protected: digested before and after every run, stat-checked after each gate; a change no ledgered deploy explains fails the run.
protect:
  vps: [vps/opt/dot/iu-cutter-v0.6, vps/opt/dot/iu-cutter]
kb:
  dir: kb
signing_key: keys/signing-key.pem
`;
}
