import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The folders of src/, lowest first: a folder imports only from folders before it (and the ground:
// errors, codes, choices, version, escape and scrub, which import nothing else of ours). This is the
// layering README's Development section describes; an import against it, or any import cycle, fails `npm run lint`.
const LAYERS = ['http', 'jwt', 'oauth', 'profiles', 'secrets', 'cache', 'doctor', 'app', 'output', 'completion', 'commands'];
const GROUND = ['errors.ts', 'codes.ts', 'choices.ts', 'version.ts', 'escape.ts', 'scrub.ts'];
const ENTRY = ['cli.ts', 'main.ts', 'code-cache.ts'];

const layerZones = [
  ...LAYERS.map((layer, index) => ({
    target: `./src/${layer}`,
    from: [...LAYERS.slice(index + 1), ...ENTRY].map((above) => `./src/${above}`),
    message: `src/${layer}/ sits below that folder: pass what it needs in (see README, Development).`,
  })),
  ...GROUND.map((file) => ({
    target: `./src/${file}`,
    from: './src',
    except: GROUND.map((ground) => `./${ground}`),
    message: 'The ground (errors, codes, choices, version, escape, scrub) imports nothing else of ours.',
  })),
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver': undefined, 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      // Between folders the zones above already rule cycles out; this catches them between files.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    files: ['bin/**', 'scripts/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'readonly', __dirname: 'readonly', globalThis: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['bench/**', 'scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
