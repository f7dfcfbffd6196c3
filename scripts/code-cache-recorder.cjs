// Preloaded (node -r) into the build's training runs of the CLI, never into a user's: saves V8's code
// cache of each dist/ file at exit, with what the run compiled. A file no run has loaded yet gets
// the cache of its top level, so no file goes without one.
'use strict';
const { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join, relative, sep } = require('node:path');
const { Script } = require('node:vm');

const dist = process.env.TOKENCTL_BUILD_DIST;
if (!dist) throw new Error('TOKENCTL_BUILD_DIST: the dist/ directory being built');
const cacheDir = join(dist, 'code-cache');
const columnOffset = -Module.wrap('').indexOf('\n}');
const compiled = new Map();

globalThis[Symbol.for('tokenctl.codeCache.recorder')] = (filename, script) => compiled.set(filename, script);

// V8 flags set at run time are part of the caches made after: src/http/transport.ts sets one for
// undici's WebAssembly, and caches made with it would be rejected by every start that has not set it.
require('node:v8').setFlagsFromString = () => {};

function distFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === cacheDir ? [] : distFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

process.on('exit', () => {
  for (const filename of distFiles(dist)) {
    const cacheFile = join(cacheDir, `${relative(dist, filename)}.bin`);
    let script = compiled.get(filename);
    if (!script) {
      // An earlier run's cache holds more than a top level.
      if (existsSync(cacheFile)) continue;
      // As src/code-cache.ts compiles it: a pack as it is, any other file in the module wrapper.
      const source = readFileSync(filename, 'utf8');
      // and under the same name (src/code-cache.ts, scriptName), which V8 keeps in the cache.
      const name = ['tokenctl', 'dist', ...relative(dist, filename).split(sep)].join('/');
      script = relative(dist, filename).startsWith(`packs${sep}`) ? new Script(source, { filename: name }) : new Script(Module.wrap(source), { filename: name, columnOffset });
    }
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(cacheFile, script.createCachedData());
  }
});
