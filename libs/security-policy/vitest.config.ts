import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// The SSRF and path checks are a security boundary: every line must be exercised (style.md 3.7).
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/**/*.types.ts', 'src/__fixtures__/**'],
        reporter: ['text', 'json-summary'],
        reportsDirectory: '.test-results/coverage',
        thresholds: { lines: 100 },
      },
    },
  }),
);
