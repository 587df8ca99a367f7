// Globs for file lists, matched by picomatch (braces, classes, extglobs): `*.{pem,key}`, `id_[rd]sa`, `__pycache__/`, `src/**/x.ts`.
import picomatch from 'picomatch';

// dot: `.env.*` and `.git/` must match dot files; no other options, so a glob means what it means in a shell.
const OPTIONS = { dot: true } as const;

/**
 * Compiles a glob to a matcher of repo-relative paths, with gitignore's placement rules: no slash
 * matches a base name anywhere (`*.pem`); a trailing slash matches a directory anywhere (`__pycache__/`)
 * or, with a slash inside, a directory anchored at the root (`docs/build/`); otherwise anchored (`a/**\/b`).
 */
export function globMatcher(glob: string): (path: string) => boolean {
  // `[!…]` is the shell's and gitignore's negated class; picomatch spells it `[^…]` only.
  const g = glob.replace(/^\.\//, '').replace(/(^|[^\\])\[!/g, '$1[^');
  if (g.endsWith('/')) {
    const dir = g.slice(0, -1).replace(/^\//, '');
    const anchored = g.slice(0, -1).includes('/');
    const m = picomatch(dir, OPTIONS);
    // The directories of a path are its segments but the last (a path ending in `/` names only directories).
    return (p) => {
      const dirs = p.split('/').slice(0, -1);
      if (!anchored) return dirs.some((d) => m(d));
      for (let i = 1; i <= dirs.length; i++) if (m(dirs.slice(0, i).join('/'))) return true;
      return false;
    };
  }
  if (!g.includes('/')) {
    const m = picomatch(g, OPTIONS);
    return (p) => m(p.slice(p.lastIndexOf('/') + 1));
  }
  const m = picomatch(g.replace(/^\//, ''), OPTIONS);
  return (p) => m(p);
}

/** A matcher that is true when any of the globs matches; also returns which one. */
export function anyGlob(globs: string[]): (path: string) => string | null {
  const ms = globs.map((g) => [g, globMatcher(g)] as const);
  return (p) => ms.find(([, m]) => m(p))?.[0] ?? null;
}

/** Files no artifact or deployed tree should carry: VCS, env files, keys, caches. */
export const DEFAULT_ARTIFACT_EXCLUDES = [
  '.git/',
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '__pycache__/',
  'node_modules/',
  '.pytest_cache/',
  '*.pyc',
];

/** Caches a test run may leave in a tree; ignored (and counted) when verifying against a manifest. */
export const DEFAULT_VERIFY_IGNORES = ['__pycache__/', '*.pyc', '.pytest_cache/'];
