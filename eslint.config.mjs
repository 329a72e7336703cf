import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/__generated__/**', '**/.nx/**', '**/coverage/**', '**/__fixtures__/**', '**/.test-results/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' } },
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'List exports by name (no export *).' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@plugway/*/testing'], message: 'testing entry points are for tests only' }] }],
    },
  },
  {
    files: ['libs/**/src/**/*.ts'],
    // plugin-sdk runs inside the plugin process, where the go-plugin handshake arrives as environment.
    ignores: ['libs/config/**', 'libs/plugin-sdk/**', '**/*.test.ts', '**/testing/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only libs/config reads the environment; take settings as options.' }],
    },
  },
  {
    files: ['**/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/__fixtures__/**'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', {
        enforceBuildableLibDependency: false,
        allow: [],
        depConstraints: [
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:config', 'type:runtime', 'type:domain', 'type:core', 'type:proto'] },
          { sourceTag: 'type:config', onlyDependOnLibsWithTags: ['type:runtime', 'type:domain', 'type:core'] },
          { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:domain', 'type:core', 'type:proto'] },
          { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:core', 'type:proto'], bannedExternalImports: ['express', 'express-*'] },
          { sourceTag: 'type:core', onlyDependOnLibsWithTags: [], bannedExternalImports: ['*'] },
          { sourceTag: 'type:proto', onlyDependOnLibsWithTags: [] },
          { sourceTag: 'lib:command', onlyDependOnLibsWithTags: ['type:core'] },
          { sourceTag: 'lib:security-policy', onlyDependOnLibsWithTags: ['type:core', 'lib:command'] },
          { sourceTag: 'lib:registry-auth', onlyDependOnLibsWithTags: ['type:core'], bannedExternalImports: ['@grpc/*', 'sigstore', '@sigstore/*'] },
          { sourceTag: 'lib:oci', onlyDependOnLibsWithTags: ['type:core'], bannedExternalImports: ['@grpc/*'] },
          { sourceTag: 'lib:plugin-host', onlyDependOnLibsWithTags: ['type:core', 'type:proto'], bannedExternalImports: ['sigstore', '@sigstore/*'] },
          { sourceTag: 'lib:plugin-sdk', onlyDependOnLibsWithTags: ['type:core', 'type:proto'] },
        ],
      }],
    },
  },
);
