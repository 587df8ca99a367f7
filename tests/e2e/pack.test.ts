// The npm tarball: ships only what runs, installs into an empty project, and its CLI runs a 1-gate macro to A.
import { afterAll, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv, repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const MACRO = `id: PACK
macro: pack
title: pack smoke test
outcome: PACK_OK
gates:
  - id: G0
    title: one
    kind: command
    with: { command: "true" }
`;

test('npm pack → npm install in a temp dir → npx gaterun --version and a 1-gate macro ending A', async () => {
  const dest = tempDir('gaterun-pack-');
  // dist/ is built by the test script before jest runs; --ignore-scripts packs it as it is.
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: repoRoot });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info.files.map((f) => f.path);
  expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/src/cli.js', 'dist/gates/index.js']));
  expect(files.filter((f) => /^dist\/(tests|bench)\//.test(f) || /\.test\.js$/.test(f))).toEqual([]);
  expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} gaterun contributors\n/);

  const app = tempDir('gaterun-pack-app-');
  writeFiles(app, { 'package.json': '{"name":"pack-test","private":true}\n', 'macro.yaml': MACRO });
  // --prefer-offline: tarballs come from the npm cache `npm ci` filled; --offline cannot work here because npm ci
  // caches tarballs but not the registry metadata a fresh install resolves versions from.
  const install = await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dest, info.filename)], {
    cwd: app,
    reject: false,
    all: true,
  });
  expect({ exitCode: install.exitCode, output: install.exitCode ? install.all : '' }).toEqual({ exitCode: 0, output: '' });
  expect(existsSync(join(app, 'node_modules', 'gaterun', 'dist', 'tests'))).toBe(false);

  const env = { ...cliEnv };
  const version = await execa('npx', ['--no-install', 'gaterun', '--version'], { cwd: app, env, reject: false });
  expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);

  const run = await execa('npx', ['--no-install', 'gaterun', 'run', 'macro.yaml', '--out', 'out', '--renderer', 'silent'], {
    cwd: app,
    env,
    reject: false,
    all: true,
  });
  expect({ exitCode: run.exitCode, output: run.exitCode ? run.all : '' }).toEqual({ exitCode: 0, output: '' });
  const record = JSON.parse(readFileSync(join(app, 'out', 'run.json'), 'utf8')) as { outcome: { code: string; text: string } };
  expect(record.outcome).toMatchObject({ code: 'A', text: 'A — PACK_OK' });
}, 180_000);
