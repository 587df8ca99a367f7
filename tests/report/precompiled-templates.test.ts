// The build's precompiled templates: used only for the exact text they were made from, and rendering the same bytes.
import { execa } from 'execa';
import { cpSync, mkdtempSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gaterun, repoRoot } from '../helpers/cli.js';
import { precompiledModule } from '../../src/report/precompile-templates.js';
import { renderFinalReport, renderGateReport, templateSource } from '../../src/report/render-report.js';
import { precompiledFresh, templateDigest, templateFiles } from '../../src/report/template-files.js';
import type { RunRecord } from '../../src/runner/types.js';

const dist = (p: string) => join(repoRoot, 'dist', 'src', p);

test('a template edited after the build is not served precompiled, nor is a new or missing one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-tpl-'));
  cpSync(join(repoRoot, 'templates'), dir, { recursive: true });
  const files = templateFiles(dir);
  const built = Object.fromEntries(files.map((f) => [f.name, { sha256: templateDigest(f.text) }]));
  expect(precompiledFresh(files, built)).toBe(true);
  // One byte more in a partial: the whole set is compiled from the files instead.
  appendFileSync(join(dir, 'partials', 'checks.hbs'), ' ');
  expect(precompiledFresh(templateFiles(dir), built)).toBe(false);
  // A kind template the build never saw.
  const dir2 = mkdtempSync(join(tmpdir(), 'gaterun-tpl-'));
  cpSync(join(repoRoot, 'templates'), dir2, { recursive: true });
  writeFileSync(join(dir2, 'artifact.md.hbs'), '{{gate.id}}\n');
  expect(precompiledFresh(templateFiles(dir2), built)).toBe(false);
  expect(precompiledFresh([], {})).toBe(false);
});

test('the generated module records each template by the digest of its text', () => {
  const text = precompiledModule(join(repoRoot, 'templates'));
  for (const f of templateFiles(join(repoRoot, 'templates')))
    expect(text).toContain(`"sha256": "${templateDigest(f.text)}"`.replace('"sha256"', 'sha256'));
});

test('the built CLI renders with precompiled templates, byte for byte what compiling the files renders', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-tpl-run-'));
  // PASS, FAIL (stops the run) and NOT RUN gates, a criterion and a residue: most branches of gate and final.
  writeFileSync(
    join(dir, 'm.yaml'),
    [
      'id: TPL',
      'macro: tpl',
      'title: templates',
      'outcome: TPL_OK',
      'gates:',
      '  - { id: G0, title: "first | pipe", kind: command, with: { command: "echo \'```\' hello" } }',
      '  - { id: G1, title: fails, kind: command, with: { command: "echo no >&2; exit 3" } }',
      '  - { id: G2, title: never, kind: command, with: { command: "true" } }',
      'criteria:',
      '  - { name: first ran, all: [{ fact: G0.exit_code, equals: 0 }] }',
      'residue:',
      '  - { id: F1, status: OPEN, note: later, next: fix it }',
      '',
    ].join('\n'),
  );
  const r = await gaterun(['run', join(dir, 'm.yaml'), '--out', join(dir, 'run'), '--renderer', 'silent']);
  expect(r.exitCode).toBe(1);
  const record = JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8')) as RunRecord;
  const script = `
    const m = await import(${JSON.stringify(dist('report/render-report.js'))});
    const record = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'));
    console.log(JSON.stringify({ source: m.templateSource(), gates: record.gates.map((_, i) => m.renderGateReport(record, i)), final: m.renderFinalReport(record) }));`;
  const child = await execa('node', ['--input-type=commonjs', '-e', `(async () => {${script}})()`, join(dir, 'run', 'run.json')]);
  const built = JSON.parse(child.stdout) as { source: string; gates: string[]; final: string };
  expect(built.source).toBe('precompiled');
  // This test process imports the TypeScript source, where no precompiled module exists: it compiles the files.
  expect(templateSource()).toBe('compiled');
  expect(built.gates).toEqual(record.gates.map((_, i) => renderGateReport(record, i)));
  expect(built.final).toBe(renderFinalReport(record));
  expect(built.gates[0]).toContain('first');
});
