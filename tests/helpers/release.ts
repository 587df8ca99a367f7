// A small release for the artifact/deploy/rollback/manifest-verify tables: a temp repo, its artifact and DEPLOY-MANIFEST.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import artifact from '../../gates/artifact.js';
import { formatManifest } from '../../src/files/manifest.js';
import { runCase } from './gate-tester.js';
import { makeRepo, writeFiles, type FileSpec, type TestRepo } from './git-repo.js';
import { tempDir } from './temp.js';

/** The files of the sample release: a module and a unittest suite that passes. */
export const RELEASE_FILES: Record<string, string> = {
  'app/__init__.py': '',
  'app/core.py': 'def cut(text):\n    return text.split()\n',
  'tests/__init__.py': '',
  'tests/test_core.py':
    'import unittest\nfrom app.core import cut\n\nclass T(unittest.TestCase):\n    def test_cut(self):\n        self.assertEqual(cut("a b"), ["a", "b"])\n',
};

export interface Release {
  repo: TestRepo & { first: string };
  /** The artifact gate's facts: path, sha256, manifest... */
  facts: Record<string, unknown>;
  out: string;
}

/** Commits the files to a temp repo and builds its artifact with the real artifact gate (under mutation: source). */
export async function makeRelease(files: Record<string, FileSpec> = RELEASE_FILES): Promise<Release> {
  const repo = await makeRepo(files);
  const out = tempDir('gaterun-release-');
  const built = await runCase(artifact, { params: { repo: repo.dir, name: 'app', out }, policy: 'source' });
  if (built.record.status !== 'PASS') throw new Error(`artifact: ${built.record.summary}`);
  return { repo, facts: built.record.facts, out };
}

/** Writes files under a new temp dir and a sha256 manifest of them; returns both paths. */
export function treeWithManifest(files: Record<string, string>): { dir: string; manifest: string } {
  const dir = tempDir('gaterun-tree-');
  writeFiles(dir, files);
  const hashes = new Map(Object.entries(files).map(([p, c]) => [p, createHash('sha256').update(c).digest('hex')]));
  const manifest = join(tempDir('gaterun-manifest-'), 'MANIFEST.txt');
  writeFileSync(manifest, formatManifest(hashes));
  return { dir, manifest };
}
