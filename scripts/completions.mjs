// Writes completions/* from the commander program in src/cli.ts, so the shipped scripts cannot drift
// from the real flags: test/unit/completion-files.test.ts fails when they are out of date. src/ is
// bundled to a throw-away module rather than read from dist/, which may be stale or mid-rebuild.
import { build } from 'esbuild';
import { sourceBundleOptions } from './esbuild-options.mjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const entry = `
import { buildProgram } from './src/cli.ts';
import { completionFiles } from './src/completion/generate.ts';
import { completionModel } from './src/completion/model.ts';
import { processIo } from './src/output/io.ts';
export const files = completionFiles(completionModel(buildProgram(await processIo(false))));
`;

const scratch = mkdtempSync(join(tmpdir(), 'tokenctl-completions-'));
try {
  const module = join(scratch, 'files.mjs');
  await build({
    stdin: { contents: entry, resolveDir: repo, loader: 'ts' },
    outfile: module,
    ...sourceBundleOptions,
  });
  const { files } = await import(pathToFileURL(module).href);
  for (const [name, text] of files) {
    writeFileSync(join(repo, 'completions', name), text);
    console.log(`completions/${name}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
