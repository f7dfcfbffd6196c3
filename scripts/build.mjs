// Bundles src/ into dist/ with one chunk per lazily imported command, so `decode` and `--version`
// load only what they use: start-up time is the cost every pipeline call pays.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { sourceBundleOptions } from './esbuild-options.mjs';

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
  ...sourceBundleOptions,
  plugins: [lazyChildProcess],
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
});
