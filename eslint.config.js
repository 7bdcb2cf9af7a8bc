// Lint rules: typescript-eslint's recommended set, React's hooks rules, and the layers as import boundaries:
// ui → app → gpu / engine; the engine imports nothing above it; the GPU host code only the engine; the page
// (src/app/page, src/ui) reaches worker and engine code through types only, so its chunk stays small.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/** A no-restricted-imports rule forbidding these module groups (type-only imports allowed where said). */
const forbid = (patterns, allowTypeImports = false) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns: patterns.map((p) => ({ ...p, allowTypeImports })) }],
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/engine/wasm/transportWasm.generated.ts', '.vitest-report.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // WebGPU buffers and worker messages are typed at their edges; a cast with a comment is clearer than a guard
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // tests read JSON output and poke at internals: any is the honest type there
    files: ['tests/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/ui/**/*.tsx', 'src/ui/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: forbid([
      {
        group: ['**/app/**', '**/ui/**', '**/gpu/**', '**/cli/**', '**/claims/**'],
        message: 'the engine imports nothing above it (it runs in Node, a worker, the tests and the CLI alike)',
      },
    ]),
  },
  {
    files: ['src/gpu/**/*.ts'],
    rules: forbid([{ group: ['**/app/**', '**/ui/**', '**/cli/**', '**/claims/**'], message: 'the GPU host code sits beside the engine and imports only it' }]),
  },
  {
    // what the page may load: the contract (and its page and ui modules); the workers, the engine, the GPU code,
    // and the app modules that load the engine's registries reach it as types only
    files: ['src/app/page/**/*.ts', 'src/ui/**/*.ts', 'src/ui/**/*.tsx'],
    rules: forbid(
      [
        {
          group: ['**/engine/**', '**/gpu/**', '**/worker/**', '../worker/*', '../app/worker/*', '**/labParams', '**/gpuSupport'],
          message: 'the page reaches the engine and the workers through src/app/contract (types may be imported)',
        },
      ],
      true,
    ),
  },
  {
    // the contract is in the page's entry chunk: engine values only from the engine's small modules with no
    // heavy imports (tests/build/entryChunk.test.ts checks the built chunk), nothing from the workers or the page
    files: ['src/app/contract/**/*.ts', 'src/app/labParams.ts'],
    rules: forbid(
      [
        {
          // any engine module but these (a path's end, so '../../engine/wasm/cost' and '../engine/bounds' alike)
          regex: '(^|/)engine/(?!(bounds|frontier|learningRates|statistics|transportMask|tasks/task|tasks/delay|tasks/adding|wasm/cost|wasm/simd)$)',
          message:
            'the contract takes engine values from its small modules only (bounds, frontier, learningRates, statistics, tasks/task, tasks/delay, tasks/adding, transportMask, wasm/cost, wasm/simd); types from anywhere',
        },
        {
          group: ['**/gpu/**', '**/worker/**', '**/page/**', '**/ui/**', '**/claims/**', '**/gpuSupport'],
          message: 'the contract is what page and workers share: it imports neither side (types may be imported)',
        },
      ],
      true,
    ),
  },
);
