// Jest in ESM mode with ts-jest (settings from shared/TOOLCHAIN.md).
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testTimeout: 60000,
  // One embedded PostgreSQL for the run (skipped when TEST_DATABASE_URL is set).
  setupFiles: ['<rootDir>/tests/setup-state-dir.ts'],
  globalSetup: '<rootDir>/tests/global-setup.ts',
  globalTeardown: '<rootDir>/tests/global-teardown.ts',
};
