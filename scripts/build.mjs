// Bundles src/ into dist/ with one chunk per lazily imported command, so `decode` and `--version`
// load only what they use: start-up time is the cost every pipeline call pays.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// commander loads child_process for stand-alone executable subcommands, which tokenctl has none of;
// loading it lazily keeps it off every command's start-up.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) => (args.importer.includes('/commander/') ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};

await build({
  plugins: [lazyChildProcess],
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // keytar is a native addon and an optional dependency: it is loaded at run time or not at all.
  external: ['keytar'],
  define: { __TOKENCTL_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __tokenctlCreateRequire } from 'node:module'; const require = __tokenctlCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
