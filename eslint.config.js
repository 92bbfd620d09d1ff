// Lint for every TypeScript file the type-check covers (tsconfig.json includes src, test, bench, tools,
// example-server and tsup.config.ts), with type information, so floating promises and unsafe `any`
// flows on the money path are caught before review. Formatting is Prettier's job: eslint-config-prettier
// comes last and switches off every stylistic rule that would fight it.
// `npm run lint` caches results per file content (node_modules/.cache/eslint/): a type change in one file does not
// re-lint the unchanged files that use it, so delete the cache when a result looks stale. CI starts without one.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The project service picks the nearest tsconfig.json per file: the root one covers all of the above,
        // so lint sees exactly the types `tsc --noEmit -p tsconfig.json` sees.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // tsconfig.json keeps noUncheckedIndexedAccess off, yet the code marks indexed reads it knows are present
      // with `!` (474 places) as a claim a reader can check; this rule would delete every one of them. Turning
      // the compiler option on instead makes them load-bearing, but costs 70 type errors elsewhere: not a lint change.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // `async` is how a function declares it satisfies a Promise-returning hook (grant, giftHandler, Store.close)
      // and it turns a synchronous throw into a rejection; dropping it to please the rule would change behaviour.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore is the code's mark for a parameter a signature requires but the body does not use,
      // and rest-destructuring is how it drops fields from a copy.
      // The rule's own defaults, plus URL and URLSearchParams as @types/node declares them: the defaults allow
      // them from the DOM lib, which this Node project does not load.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowAny: true,
          allowBoolean: true,
          allowNullish: true,
          allowNumber: true,
          allowRegExp: true,
          allow: [
            { from: 'lib', name: ['Error', 'URL', 'URLSearchParams'] },
            { from: 'package', package: 'node', name: ['URL', 'URLSearchParams'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests poke into parsed JSON replies (`JSON.parse(body).msg`) whose shape is exactly what the assertion checks;
    // typing every reply would restate the assertion, and a wrong shape already fails the test at run time.
    // For the same reason template literals may hold their unknown fields: tests build ledger keys from the orders they
    // made themselves, some with fields mistyped on purpose.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (this file, bin/) is in no tsconfig: lint it without type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { URL: 'readonly', console: 'readonly', process: 'readonly' },
    },
  },
  prettier,
);
