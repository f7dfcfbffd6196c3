import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads dist/ the way a start is cheapest. Most of a start's own cost is reading and compiling
 * JavaScript, file by file: so the build writes packs (dist/packs/: a lazily loaded file with every
 * chunk it loads with it, scripts/packs.mjs) and V8's code cache of each file with what the common
 * commands compiled (dist/code-cache/, scripts/code-cache.mjs). A file is loaded from its pack when
 * one holds it, else alone, and compiled with its cache. A cache V8 rejects (another Node.js, other
 * V8 flags) or one older than its file is ignored: the cache can cost a start a file read, never
 * make it run anything but the files it is given. Requires between dist/ files go straight to the
 * file: Node's resolver (stat, realpath, package scope) would cost more than the compile.
 */

/** Where the build's training runs find each compiled script (see scripts/code-cache-recorder.cjs). */
export const CODE_CACHE_RECORDER = Symbol.for('tokenctl.codeCache.recorder');
export type CodeCacheRecorder = (filename: string, script: Script) => void;

/** What of Node's CommonJS Module class this uses (bin/ passes it in: loading node:module would cost a start more). */
interface LoadableModule {
  exports: unknown;
  filename: string;
  paths: string[];
  loaded: boolean;
}
export interface ModuleClass {
  new (id: string, parent?: LoadableModule): LoadableModule;
  _cache: Record<string, LoadableModule | undefined>;
  _nodeModulePaths(dir: string): string[];
  wrap(content: string): string;
  createRequire(filename: string): NodeJS.Require;
}

type Factory = (exports: unknown, require: (id: string) => unknown, module: LoadableModule, filename: string, dirname: string) => void;

/** The cache file of a dist/ file. */
export function codeCacheFile(distDir: string, filename: string): string {
  return join(distDir, 'code-cache', `${relative(distDir, filename)}.bin`);
}

/**
 * The name a dist/ file's script has in stack traces: the same wherever tokenctl is installed,
 * because V8 keeps the name a script had when its cache was made (in the build's directory).
 */
export function scriptName(distDir: string, filename: string): string {
  return ['tokenctl', 'dist', ...relative(distDir, filename).split(sep)].join('/');
}

function readCodeCache(filename: string, cacheFile: string): Buffer | undefined {
  const cache = statSync(cacheFile, { throwIfNoEntry: false });
  // A file changed after the build (a hand edit) must not run the bytecode of what it was: V8 checks
  // only the length of a source against its cache.
  if (!cache || cache.mtimeMs < statSync(filename).mtimeMs) return undefined;
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

function readIfExists(filename: string): string | undefined {
  try {
    return readFileSync(filename, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Loads `entry` (a path under `distDir`) and what it requires of dist/; returns its exports. */
export function loadDist(distDir: string, Module: ModuleClass, entry: string): unknown {
  // Module.wrap puts the wrapper before the first line: keep stack traces' columns true.
  const columnOffset = -Module.wrap('').indexOf('\n}');
  const factories = new Map<string, Factory>();
  const paths = Module._nodeModulePaths(distDir);

  /** Compiles `source` (a file in the module wrapper, or a pack as it is) with its cache, and runs it. */
  const run = (filename: string, source: string, wrapped: boolean): unknown => {
    const cachedData = readCodeCache(filename, codeCacheFile(distDir, filename));
    const script = new Script(wrapped ? Module.wrap(source) : source, { filename: scriptName(distDir, filename), ...(wrapped ? { columnOffset } : {}), ...(cachedData ? { cachedData } : {}) });
    (globalThis as { [CODE_CACHE_RECORDER]?: CodeCacheRecorder })[CODE_CACHE_RECORDER]?.(filename, script);
    return script.runInThisContext({ displayErrors: true });
  };

  const instantiate = (filename: string, factory: Factory): unknown => {
    const module = new Module(filename);
    module.filename = filename;
    module.paths = paths;
    Module._cache[filename] = module;
    const dir = dirname(filename);
    let outside: NodeJS.Require | undefined;
    const require = (id: string) => (id.startsWith('./') ? load(join(dir, id)) : (outside ??= Module.createRequire(filename))(id));
    try {
      factory.call(module.exports, module.exports, require, module, filename, dir);
    } catch (error) {
      delete Module._cache[filename];
      throw error;
    }
    module.loaded = true;
    return module.exports;
  };

  const load = (filename: string): unknown => {
    const cached = Module._cache[filename];
    if (cached) return cached.exports;
    const name = relative(distDir, filename);
    if (!factories.has(filename) && !name.startsWith('..')) {
      // A pack is `(function (define) { define(name, factory); … })`: it defines what is not loaded yet.
      const packFile = join(distDir, 'packs', name);
      const pack = readIfExists(packFile);
      let definePack: ((define: (name: string, factory: Factory) => void) => void) | undefined;
      try {
        if (pack !== undefined) definePack = run(packFile, pack, false) as typeof definePack;
      } catch {
        // A pack that does not compile (a damaged install): its files load one by one instead.
      }
      definePack?.((member, factory) => {
        const path = join(distDir, member);
        if (!Module._cache[path] && !factories.has(path)) factories.set(path, factory);
      });
    }
    const factory = factories.get(filename);
    if (factory) {
      factories.delete(filename);
      return instantiate(filename, factory);
    }
    return instantiate(filename, run(filename, readFileSync(filename, 'utf8'), true) as Factory);
  };

  return load(join(distDir, entry));
}
