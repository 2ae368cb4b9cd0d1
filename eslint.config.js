// The linter: a few load-bearing rules (style.md habit 15), no formatting, no type information (fast).
// `npm run lint`; `npm test` runs it after the build.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The data flows one way: the layers below the pipeline never reach up into it or past it.
const upstreamOnly = (layers) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex: `^(\\.\\./)+(${layers.join('|')})(/|$)`,
          message: 'imports point upstream only: this layer must not depend on pipeline/, outputs/ or cli/',
        },
      ],
    },
  ],
});

export default defineConfig(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'src/wasm/', // AssemblyScript: not TypeScript the parser understands
      '.var/',
      'test-artifacts/',
      'fixtures/captures/', // generated data (fixtures/synthetic/make-fixtures.mjs is linted)
      'fixtures/crashes/',
      'fixtures/packets/',
    ],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', 'bin/voipready'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      globals: globals.node,
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'error',
      'no-empty': 'error',
      'no-fallthrough': 'error',
      'prefer-const': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'only bin/ ends the process; return an exit code instead' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true, // `const { dropped, ...rest } = x` is how a field is left out
        },
      ],
      // deliberate on the hot path (indexes checked by the loop bounds under noUncheckedIndexedAccess)
      '@typescript-eslint/no-non-null-assertion': 'off',
      // the decoders and the text report match NUL and ESC on purpose (wire bytes, ANSI colours)
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/cli/**', 'src/outputs/**', 'test/**', 'fixtures/**', 'bin/**', 'native/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // tests read JSON from the CLI, tshark and Prometheus untyped; src has no `any`
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // bin/ ends the process; test helpers run as child processes of the tests, and native/build.mjs is an install
    // script (npm runs it as a process of its own): they may end themselves
    files: ['bin/**', 'test/**', 'native/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['src/decode/**', 'src/capture/**', 'src/reassembly/**', 'src/track/**', 'src/measure/**', 'src/config/**'],
    // live sources are edges: they build Datagrams and push them into the pipeline (README, Architecture)
    ignores: ['src/capture/sources/**'],
    rules: upstreamOnly(['pipeline', 'outputs', 'cli']),
  },
);
