import { defineConfig, mergeConfig } from 'vitest/config';

// One config for every project; Nx runs `vitest run` with the project folder as cwd.
const shared = defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    passWithNoTests: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
  },
});
export default shared;

/**
 * The shared config plus a 100% line-coverage threshold over `src/` (tests and `*.types.ts` excluded), for the libs
 * that are a security boundary (style.md 3.7). `exclude` adds further globs, e.g. fixtures.
 */
export function withFullLineCoverage(exclude: string[] = []) {
  return mergeConfig(
    shared,
    defineConfig({
      test: {
        coverage: {
          provider: 'v8',
          include: ['src/**/*.ts'],
          exclude: ['src/**/*.test.ts', 'src/**/*.types.ts', ...exclude],
          reporter: ['text', 'json-summary'],
          reportsDirectory: '.test-results/coverage',
          thresholds: { lines: 100 },
        },
      },
    }),
  );
}
