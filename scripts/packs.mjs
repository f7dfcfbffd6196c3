// Packs: every file a start loads costs it a read, a check and a compile of its own, and a command
// loads 20-odd of esbuild's chunks. So for each file that is loaded on its own (dist/main.js and
// each target of a lazy import), dist/packs/ gets one file with that file and every chunk it loads
// with it, each as a module factory (see src/code-cache.ts). Chunks already loaded whenever it is
// (main.js's and its importers' own chunks) are left out; a chunk in no pack is loaded alone, from
// dist/chunks/, as before.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * `metafile`: esbuild's, for the build into `dist`; `code`: each output's final text by absolute path.
 * Returns the packs written, as { pack: members } with paths relative to `dist`.
 */
export function writePacks(dist, metafile, code) {
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, output]) => [resolve(path), output]));
  const imports = (file, kind) => (outputs.get(file)?.imports ?? []).filter((entry) => !entry.external && entry.kind === kind).map((entry) => resolve(entry.path));
  const closures = new Map();
  const closure = (file) => {
    if (closures.has(file)) return closures.get(file);
    const seen = new Set();
    const visit = (next) => {
      if (seen.has(next)) return;
      seen.add(next);
      for (const dependency of imports(next, 'import-statement')) visit(dependency);
    };
    visit(file);
    closures.set(file, seen);
    return seen;
  };

  const main = join(dist, 'main.js');
  const importers = new Map([[main, []]]);
  for (const file of outputs.keys()) {
    for (const target of imports(file, 'dynamic-import')) importers.set(target, [...(importers.get(target) ?? []), file]);
  }
  const written = {};
  for (const [entry, from] of importers) {
    const loaded = new Set(entry === main ? [] : closure(main));
    // Loaded whenever entry is: what every importer of it loaded with itself.
    const [first, ...rest] = from.map(closure);
    for (const file of first ?? []) if (rest.every((other) => other.has(file))) loaded.add(file);
    const members = [...closure(entry)].filter((file) => file === entry || !loaded.has(file));
    if (members.length < 2) continue;
    const missing = members.find((file) => !code.has(file));
    if (missing) throw new Error(`packs: no code for ${missing}`);
    const text = [
      '(function (define) {',
      ...members.map((file) => `define(${JSON.stringify(relative(dist, file))}, function (exports, require, module, __filename, __dirname) {\n${code.get(file)}\n});`),
      '})',
    ].join('\n');
    const pack = join(dist, 'packs', relative(dist, entry));
    mkdirSync(dirname(pack), { recursive: true });
    writeFileSync(pack, text);
    written[relative(dist, pack)] = members.map((file) => relative(dist, file));
  }
  return written;
}
