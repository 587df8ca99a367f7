// Jest in ESM mode with ts-jest (settings from shared/TOOLCHAIN.md), as two projects:
// `unit` (in-process, temp git repos, local child processes: seconds) and `slow` (embedded PostgreSQL, sshd,
// the built CLI as a child process, the demo, the tarball). `npm run test:unit` runs only the first.
const base = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/tests'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

// A suite is slow when it needs PostgreSQL, sshd or the built CLI, or builds the demo / the tarball.
const slow = [
  '/tests/(demo|e2e|examples)/.*\\.test\\.ts$',
  '/tests/pg/(db-access|db-connect|embedded-server|kill|pg-gates|rollback-proof|run-lock|templates)\\.test\\.ts$',
  '/tests/deploy/(artifact|change-set|deploy|hosts|secret-scan)\\.test\\.ts$',
  '/tests/gates/(pg-grants|pg-schema|pg-snapshot|rollback-proof|predecessor)\\.test\\.ts$',
  '/tests/runner/(run|run-schema|signed-run|db-run)\\.test\\.ts$',
  '/tests/macro/load-macro\\.test\\.ts$',
  '/tests/trust/kb\\.test\\.ts$',
];

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
