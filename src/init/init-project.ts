// `gaterun init`: scaffolds a project's macros/ with a starter macro (tests, secret scan, artifact), a target file and gaterun.config.yaml.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CONFIG_FILE } from '../config/project-config.js';
import { errors } from '../errors.js';
import { slug } from '../report/render-report.js';

/** The starter macro's id (macros/CHECK.yaml). */
export const STARTER_ID = 'CHECK';

/** The test command the starter macro runs: the package's own when it has one. */
export function detectTestCommand(dir: string): string {
  const pkg = join(dir, 'package.json');
  if (existsSync(pkg)) {
    try {
      if ((JSON.parse(readFileSync(pkg, 'utf8')) as { scripts?: { test?: string } }).scripts?.test) return 'npm test';
    } catch {
      // An unreadable package.json falls through to the other ecosystems.
    }
  }
  if (existsSync(join(dir, 'go.mod'))) return 'go test -v ./...';
  if (existsSync(join(dir, 'pyproject.toml')) || existsSync(join(dir, 'setup.py'))) return 'python3 -m pytest -q';
  return 'npm test';
}

/** The starter macro's text for a project folder. */
export function starterMacro(dir: string): string {
  const name = basename(resolve(dir));
  return `# Starter macro written by \`gaterun init\`: tests, a secret scan and a release artifact of HEAD.
# Check it: gaterun plan ${STARTER_ID} · run it: gaterun run ${STARTER_ID} · what a kind takes: gaterun explain <kind>
id: ${STARTER_ID}
macro: ${slug(name)}-check
title: ${JSON.stringify(`${name}: tests, secret scan, release artifact`)}
summary: Runs the test suite, scans the work tree for secrets and builds a reproducible tar.gz of HEAD. Changes nothing outside the run directory.
effort: low
mutation: none
outcome: ${STARTER_ID}_PASS
gates:
  - id: G0
    title: Tests pass
    kind: tests
    timeout: 900
    with:
      # The tests gate reads the runner's counts (node --test, jest, pytest, unittest, go test); see gaterun explain tests.
      command: ${JSON.stringify(detectTestCommand(dir))}
      cwd: "\${target.paths.repo}"
  - id: G1
    title: No secrets in the work tree
    kind: secret-scan
    timeout: 300
    with:
      path: "\${target.paths.repo}"
      exclude: ["node_modules/**", ".git/**", "reports/**", "dist/**", ".venv/**"]
  - id: G2
    title: Release artifact of HEAD
    kind: artifact
    timeout: 300
    with:
      repo: "\${target.paths.repo}"
      name: ${slug(name)}
criteria:
  - name: tests_ran_and_passed
    all: [{ fact: G0.total, gte: 1 }, { fact: G0.failed, equals: 0 }]
  - name: no_secrets
    all: [{ fact: G1.findings, equals: 0 }]
forbidden:
  - name: Write outside the run directory
    ledger: { mutating: true }
next_action: STOP
outcome_facts:
  tests_passed: G0.passed
  artifact_sha256: G2.sha256
`;
}

/** The starter target: this repository on this machine. */
export function starterTarget(dir: string): string {
  return `# The system under change for this project's macros: this repository on this machine.
# Add hosts (ssh://user@host:port), paths, databases and secrets here; macros reference them as \${target.paths.x}.
name: ${basename(resolve(dir))}
hosts:
  local: local
paths:
  repo: .
`;
}

const CONFIG = `# gaterun defaults for this project (all optional; paths relative to this file).
macros: macros
reports: reports
target: gaterun.target.yaml
# key: path/to/signing-key.pem
`;

/** Writes the scaffold into `dir`; refuses to overwrite an existing file unless `force`. */
export function initProject(dir: string, opts: { force?: boolean } = {}): { written: string[]; macroId: string } {
  const root = resolve(dir);
  const files: Record<string, string> = {
    [join(root, 'macros', `${STARTER_ID}.yaml`)]: starterMacro(root),
    [join(root, 'gaterun.target.yaml')]: starterTarget(root),
    [join(root, CONFIG_FILE)]: CONFIG,
  };
  const existing = Object.keys(files).filter((f) => existsSync(f));
  if (existing.length && !opts.force) throw errors.initExists(existing);
  mkdirSync(join(root, 'macros'), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(f, text);
  return { written: Object.keys(files), macroId: STARTER_ID };
}
