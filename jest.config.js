// Jest in ESM mode with ts-jest (settings from shared/TOOLCHAIN.md), as two projects:
// `unit` (in-process, temp git repos, local child processes: seconds) and `slow` (embedded PostgreSQL, sshd,
// the built CLI as a child process, the demo, the tarball, Chromium). `npm run test:unit` runs only the first.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const base = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/tests'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  // Each test file gets its own gaterun state dir (run locks of parallel files never meet).
  setupFiles: ['<rootDir>/tests/setup-state-dir.ts'],
};

// A suite is slow when it uses PostgreSQL, sshd, the built CLI, the demo, the tarball or a browser. Decided from what
// the file imports, so a new PostgreSQL test can never land in `unit` (where no server is started).
const SLOW_USES =
  /helpers\/(pg|gate-context|sshd|hosts|host-context|cli|o8c-proofs|release)\.js|runDemo|embedded-server|playwright-core|npm pack|pg-server/;
const files = (dir) =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.test.ts') ? [p] : [];
  });
const slow = files('tests')
  .filter((f) => SLOW_USES.test(readFileSync(f, 'utf8')))
  .map((f) => `/${f.replace(/[.]/g, '\\.')}$`);

export default {
  testTimeout: 60000,
  projects: [
    { ...base, displayName: 'unit', testPathIgnorePatterns: ['/node_modules/', ...slow] },
    {
      ...base,
      displayName: 'slow',
      testRegex: slow,
      // One embedded PostgreSQL for the run (skipped when TEST_DATABASE_URL is set); only started for this project.
      globalSetup: '<rootDir>/tests/global-setup.ts',
      globalTeardown: '<rootDir>/tests/global-teardown.ts',
    },
  ],
};
