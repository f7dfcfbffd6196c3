import { readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads dist/ with the V8 code cache the build made of it. Most of a start's own cost is parsing and
 * compiling JavaScript; the build runs the common commands once and saves V8's code cache of every
 * dist/ file (dist/code-cache/), so a start compiles almost nothing of what those runs used. A cache
 * V8 rejects (another Node.js, other V8 flags) or one older than its file is ignored, and the file is
 * compiled as usual: the cache can make a start slower by a file read, never wrong.
 */

/** Where the build's training runs find each compiled script (see scripts/code-cache.mjs). */
export const CODE_CACHE_RECORDER = Symbol.for('tokenctl.codeCache.recorder');
export type CodeCacheRecorder = (filename: string, script: Script) => void;

interface LoadableModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

/** The cache file of a dist/ file. */
export function codeCacheFile(distDir: string, filename: string): string {
  return join(distDir, 'code-cache', `${relative(distDir, filename)}.bin`);
}

function readCodeCache(filename: string, cacheFile: string): Buffer | undefined {
  const cache = statSync(cacheFile, { throwIfNoEntry: false });
  // A file changed after the build (a hand edit) must not run the bytecode of what it was.
  if (!cache || cache.mtimeMs < statSync(filename).mtimeMs) return undefined;
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/** From now on, every .js file under `distDir` is compiled with its code cache. */
export function installCodeCache(distDir: string): void {
  const prototype = Module.prototype as unknown as LoadableModule;
  const compile = prototype._compile;
  const prefix = `${distDir}${sep}`;
  // Module.wrap puts the wrapper before the first line: keep stack traces' columns true.
  const columnOffset = -Module.wrap('').indexOf('\n}');
  prototype._compile = function (this: LoadableModule, content: string, filename: string) {
    if (!filename.startsWith(prefix)) return compile.call(this, content, filename);
    const cachedData = readCodeCache(filename, codeCacheFile(distDir, filename));
    const script = new Script(Module.wrap(content), { filename, columnOffset, ...(cachedData ? { cachedData } : {}) });
    (globalThis as { [CODE_CACHE_RECORDER]?: CodeCacheRecorder })[CODE_CACHE_RECORDER]?.(filename, script);
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
  };
}
