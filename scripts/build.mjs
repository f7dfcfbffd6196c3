// Bundles src/ into dist/ with one chunk per lazily imported command, so `decode` and `--version`
// load only what they use: start-up time is the cost every pipeline call pays.
import { build, transform } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeCodeCache } from './code-cache.mjs';
import { writePacks } from './packs.mjs';
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

// chalk detects colour support at import (loading node:process, node:os and node:tty) for its default
// instances, which tokenctl never uses: it picks each stream's colour level itself (src/output/color.ts).
const noColorDetection = {
  name: 'no-color-detection',
  setup(build) {
    build.onResolve({ filter: /^#supports-color$/ }, (args) => (args.importer.includes('/chalk/') ? { path: 'supports-color', namespace: 'no-color-detection' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'no-color-detection' }, () => ({ contents: 'export default { stdout: false, stderr: false };', loader: 'js' }));
  },
};

// undici's HTTP/2 client loads node:http2 (some of Node's largest modules) on every request, but is
// only used when a server negotiates h2, which tokenctl never offers (undici's allowH2 is off).
const noHttp2 = {
  name: 'no-http2',
  setup(build) {
    build.onResolve({ filter: /\/client-h2\.js$/ }, (args) => (args.importer.includes('/undici/') ? { path: 'client-h2', namespace: 'no-http2' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'no-http2' }, () => ({
      contents: "module.exports = function connectH2() { throw new Error('HTTP/2 is not used by tokenctl'); };",
      loader: 'js',
    }));
  },
};

const dist = new URL('../dist/', import.meta.url).pathname;
const { outputFiles, metafile } = await build({
  ...sourceBundleOptions,
  // No createRequire banner: the chunks become CommonJS below, where require is native.
  banner: {},
  plugins: [lazyChildProcess, noColorDetection, noHttp2],
  // code-cache: loaded first, alone, to load the rest with the code cache made below.
  entryPoints: { main: 'src/main.ts', 'code-cache': 'src/code-cache.ts' },
  outdir: dist,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  metafile: true,
  write: false,
});

// esbuild splits code only in ES module format, but Node's ES module loader costs about 10 ms of
// every start (a quarter of a bare `node -e 0`). So each chunk is rewritten as CommonJS: a static
// import becomes require(), a lazy import() a deferred require(), and dist/ is marked CommonJS.
const codeByPath = new Map();
for (const file of outputFiles) {
  const usesImportMeta = file.text.includes('import.meta');
  const { code } = await transform(file.text, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // import() of a chunk would start the ES module loader after all: make it a deferred require().
    supported: { 'dynamic-import': false },
    // Parsing is much of a start's cost: no comments or layout. Names stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    ...(usesImportMeta ? { define: { 'import.meta.url': '__tokenctlModuleUrl' }, banner: "const __tokenctlModuleUrl = require('node:url').pathToFileURL(__filename).href;" } : {}),
  });
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, code);
  codeByPath.set(file.path, code);
}
writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
writePacks(dist.replace(/\/$/, ''), metafile, codeByPath);
try {
  await writeCodeCache(dist.replace(/\/$/, ''));
} catch (error) {
  // Only speed depends on it: a build without a code cache still works, file by file compiled.
  rmSync(join(dist, 'code-cache'), { recursive: true, force: true });
  console.warn(`build: no code cache made (${error.message.split('\n')[0]}); tokenctl will start slower`);
}
