import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { completionFiles } from '../../src/completion/generate.js';
import { completionModel } from '../../src/completion/model.js';
import { REPO } from '../support/cli.js';
import { fakeIo } from '../support/fake-io.js';

const readIfPresent = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

describe('completions/', () => {
  it.each(completionFiles(completionModel(buildProgram(fakeIo()))))('%s is what the program generates now', (name, generated) => {
    const checkedIn = readIfPresent(join(REPO, 'completions', name));
    expect(checkedIn, `completions/${name} is out of date with src/cli.ts: run \`node scripts/completions.mjs\` and commit the result`).toBe(generated);
  });
});
