// Lint rules for the whole monorepo. The block for packages/core is the dependency rule that keeps
// the pure core free of I/O: no Node built-ins, no I/O packages, no clock, no randomness, no timers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const coreAllowedPackages = ['@verge/contracts', 'zod', '@noble/hashes', '@scure/base'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.verge/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'core is pure: no Node built-ins (I/O belongs in platform or apps).' })),
          patterns: [
            {
              regex: `^(?!\\.|(?:${coreAllowedPackages.map((p) => p.replace(/\//g, '\\/')).join('|')})(?:\\/|$))`,
              message: `core may import only relative files and ${coreAllowedPackages.join(', ')}.`,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'queueMicrotask', 'process', 'Buffer', 'fetch', 'performance', 'crypto', 'require'].map(
          (name) => ({ name, message: 'core is pure: time, I/O and randomness arrive as arguments.' }),
        ),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core is pure: pass nowMs in.' },
        { object: 'Math', property: 'random', message: 'core is pure: pass an rng in.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'core is pure: new Date() reads the clock; pass nowMs in.' },
        { selector: "CallExpression[callee.name='Date']", message: 'core is pure: Date() reads the clock.' },
      ],
    },
  },
  // The import arrows of ARCHITECTURE.md: each package's sources may import only the workspaces listed there.
  ...Object.entries({
    'packages/contracts/src/**/*.ts': ['@verge/*'],
    'packages/platform/src/**/*.ts': ['@verge/api-client', '@verge/device-client', '@verge/iothub-mqtt', '@verge/testkit', '@verge/cloud', '@verge/edge', '@verge/cli'],
    'packages/iothub-mqtt/src/**/*.ts': ['@verge/api-client', '@verge/device-client', '@verge/testkit', '@verge/cloud', '@verge/edge', '@verge/cli'],
    'packages/api-client/src/**/*.ts': ['@verge/platform', '@verge/iothub-mqtt', '@verge/device-client', '@verge/testkit', '@verge/cloud', '@verge/edge', '@verge/cli'],
    'packages/device-client/src/**/*.ts': ['@verge/platform', '@verge/iothub-mqtt', '@verge/api-client', '@verge/testkit', '@verge/cloud', '@verge/edge', '@verge/cli'],
    'apps/cloud/src/**/*.ts': ['@verge/api-client', '@verge/device-client', '@verge/testkit', '@verge/edge', '@verge/cli'],
    'apps/edge/src/**/*.ts': ['@verge/api-client', '@verge/testkit', '@verge/cloud', '@verge/cli'],
    'apps/cli/src/**/*.ts': ['@verge/testkit', '@verge/device-client', '@verge/iothub-mqtt'],
    // The browser app: types of the contracts only (import type), no Node workspace; core and api-client only by the
    // two pure, browser-safe subpaths (the shared backoff and the SSE parser), which the regex below lets through.
    'apps/dashboard/src/**/*.{ts,tsx}': ['@verge/platform', '@verge/device-client', '@verge/iothub-mqtt', '@verge/testkit', '@verge/cloud', '@verge/edge', '@verge/cli', '@verge/simulator'],
  }).map(([files, forbidden]) => ({
    files: [files],
    ignores: ['packages/core/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: forbidden, message: 'not an allowed import arrow (ARCHITECTURE.md)' },
            ...(files.startsWith('apps/dashboard/')
              ? [{ regex: '^@verge/(?!core/backoff$|api-client/sse-parser$)(core|api-client)(/.*)?$', message: 'not an allowed import arrow (ARCHITECTURE.md)' }]
              : []),
          ],
        },
      ],
    },
  })),
  {
    files: ['apps/dashboard/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['apps/cli/src/**/*.ts', 'scripts/**', 'bench/**', 'samples/**', '**/test/**', 'packages/testkit/scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
