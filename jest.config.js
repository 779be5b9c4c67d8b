/**
 * Three projects: unit tests (no servers); workflow tests, each file on a Temporal dev server of
 * its own; and integration tests, which share one Temporal dev server and one PostgreSQL started
 * by test/support/global-setup.ts (or TEMPORAL_ADDRESS and DATABASE_URL when given). e2e tests
 * drive real clients against the same stack.
 */
// Type checking is `npm run build`'s job; ts-jest only transpiles (isolatedModules in tsconfig).
const tsJest = ['ts-jest', { diagnostics: false }];

/** @type {import('jest').Config} */
module.exports = {
  // Generous: integration tests wait on real servers; speed is measured in bench/, not asserted here.
  testTimeout: 180_000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      // Workflow code alone, each file on a Temporal dev server of its own with typed activity
      // fakes (test/workflows/support/), and the replay of recorded histories: no database.
      displayName: 'workflows',
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts', '<rootDir>/test/replay/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
