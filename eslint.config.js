// ESLint: typescript-eslint's type-checked recommended rules; every rule turned off or down says why.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.gaterun-demo/', 'reports/', 'eslint.config.js', 'jest.config.js', 'examples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring away a key, a callback's fixed signature).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Parsed JSON/YAML (run.json, macros, postgres rows) is `any` by nature; it is checked by ajv or by shape at the
      // boundary, so the no-unsafe-* family would only add casts that check nothing.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Template literals format numbers, booleans and nulls in messages on purpose.
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Gates and helpers are `async` to keep one contract even when a given kind does no awaiting.
      '@typescript-eslint/require-await': 'off',
      // `void promise` is how a deliberate fire-and-forget is marked; floating promises stay errors.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Tests pass methods of real objects to expect() and helpers; none of them rely on `this` being lost.
      '@typescript-eslint/unbound-method': 'off',
      // Tests interpolate facts their own gate runs produced (strings they just wrote); a wrong type fails the assertion anyway.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  prettier,
);
