// ESLint with typescript-eslint's type-aware rules, run by ./scripts/test: above all the promise rules
// (a promise nobody awaits or handles, an async callback where a void one is expected), the bug class
// the compiler does not see, and `any` leaking out of untyped data.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Activities, ports and fakes implement promise-returning interfaces; an async function that does not
      // await still turns a throw into a rejection, which is what their callers handle.
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed names and rest siblings: destructuring that leaves a field out on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Activities are plain functions in object literals, which Temporal calls detached anyway; no class
      // method is handed around as a callback.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Tests read raw JSON (fake API servers, API answers, fixtures) and check its shape by assertion.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
