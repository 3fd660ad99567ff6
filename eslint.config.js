// ESLint flat config: ESLint's and typescript-eslint's recommended rules (not the type-checked
// set, to keep `npm run lint` fast; `npm run typecheck` does the type checking).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'dist.*/**',
      'data/**',
      'scratch/**',
      '.tap/**',
      'test-artifacts/**',
      'bench/results/**',
      'chaos/results/**',
      'chaos/logs/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Plain-Node scripts that run before anything is compiled (scripts/build.mjs).
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // Tests poke at loosely typed responses and fixtures.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
