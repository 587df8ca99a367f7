// Small gitignore-flavoured globs for file lists (no dependency): `*.pyc`, `__pycache__/`, `src/**/x.ts`.

function globBody(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return re;
}

/**
 * Compiles a glob to a matcher of repo-relative paths. No slash: matches a base name anywhere
 * (`*.pem`); trailing slash: a directory anywhere (`__pycache__/`); otherwise anchored (`a/**\/b`).
 */
export function globMatcher(glob: string): (path: string) => boolean {
  const g = glob.replace(/^\.\//, '');
  if (g.endsWith('/')) {
    const dir = g.slice(0, -1);
    const re = dir.includes('/') ? new RegExp(`^${globBody(dir)}/`) : new RegExp(`(?:^|/)${globBody(dir)}/`);
    return (p) => re.test(p);
  }
  if (!g.includes('/')) {
    const re = new RegExp(`^${globBody(g)}$`);
    return (p) => re.test(p.slice(p.lastIndexOf('/') + 1));
  }
  const re = new RegExp(`^${globBody(g.replace(/^\//, ''))}$`);
  return (p) => re.test(p);
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
