import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../support/cli.js';
import { startTokenEndpoint, type TokenEndpoint } from '../support/token-endpoint.js';

// The build packs each lazily loaded file with the chunks it loads (scripts/packs.mjs) and saves
// V8's code cache of dist/ (scripts/code-cache.mjs); bin/ loads dist/ from them (src/code-cache.ts):
// a start then reads a few files and compiles almost nothing. These prove the packs and caches are
// taken, and that a cache can only ever be skipped, never run in place of the file it was made from.
const dir = mkdtempSync(join(tmpdir(), 'tokenctl-code-cache-'));
const probe = join(dir, 'probe.cjs');
// undefined: loaded without a cache; false: with its cache; true: its cache was rejected.
writeFileSync(
  probe,
  `const seen = {};
globalThis[Symbol.for('tokenctl.codeCache.recorder')] = (file, script) => { seen[file] = script.cachedDataRejected ?? 'none'; };
process.on('exit', () => require('node:fs').writeSync(2, '\\nCOMPILED ' + JSON.stringify(seen) + '\\n'));\n`,
);
const token = readFileSync(join(REPO, 'examples/entra-access-token.txt'), 'utf8').replace(/\s/g, '');

/** V8 flags (NODE_OPTIONS) would make a plain start's caches rejected. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

async function compiled(bin: string, args: string[], env: Record<string, string> = {}): Promise<{ files: Record<string, boolean | 'none'>; stdout: string; stderr: string }> {
  const result = await promisify(execFile)(process.execPath, ['-r', probe, bin, ...args], { env: { ...cleanEnv(), ...env }, encoding: 'utf8' }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  const files = JSON.parse(/^COMPILED (.*)$/m.exec(result.stderr)![1]!) as Record<string, boolean | 'none'>;
  return { files, stdout: result.stdout, stderr: result.stderr };
}

/** A copy of the built CLI (bin/, dist/ and package.json) to change; dist/'s times kept. */
function install(name: string): string {
  const copy = join(dir, name);
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(REPO, part), join(copy, part), { recursive: true, preserveTimestamps: true });
  return copy;
}

let endpoint: TokenEndpoint;
beforeAll(async () => {
  endpoint = await startTokenEndpoint();
});
afterAll(async () => {
  await endpoint.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the build's code cache", () => {
  it('decode and a token request load a few packs, each with its cache', async () => {
    const decode = await compiled(BIN, ['decode', '--json', token]);
    const request = await compiled(BIN, ['token', '--token-url', endpoint.url, '--client-id', 'svc'], { TOKENCTL_CLIENT_SECRET: 'secret' });
    expect(request.stdout.trim()).toBe(endpoint.issued.at(-1));
    for (const { files } of [decode, request]) {
      // A few packs, not the 15 to 40 chunks they hold.
      expect(Object.keys(files)).toContain(join(REPO, 'dist/packs/main.js'));
      expect(Object.keys(files).length).toBeLessThanOrEqual(6);
      expect(Object.entries(files).filter(([, rejected]) => rejected !== false)).toEqual([]);
    }
  });

  it('is ignored for a file changed after the build, even one of the same length, and when it is corrupt', async () => {
    const copy = install('edited');
    const packs = join(copy, 'dist/packs/chunks');
    const pack = join(packs, readdirSync(packs).find((name) => name.startsWith('decode-'))!);
    // V8 checks only a source's length against its cache: the same length, other words.
    const source = readFileSync(pack, 'utf8');
    expect(source).toContain('is a file, not a token');
    writeFileSync(pack, source.replace('is a file, not a token', 'is a FILE, not a token'));
    writeFileSync(join(copy, 'dist/code-cache/packs/main.js.bin'), Buffer.alloc(4096, 0x5a));

    const { files, stderr } = await compiled(join(copy, 'bin/tokenctl.js'), ['decode', probe]);
    expect(stderr).toContain('is a FILE, not a token');
    expect(files[pack]).toBe('none');
    expect(files[join(copy, 'dist/packs/main.js')]).toBe(true);
  });

  it("names its scripts in stack traces the same wherever it is installed, not by the build's directory", async () => {
    const copy = install('moved');
    const stackProbe = join(dir, 'stack.cjs');
    // The first stack through dist/ that reaches JSON.stringify (decode --json writes its document with it).
    writeFileSync(
      stackProbe,
      `const stringify = JSON.stringify; let stack;
JSON.stringify = function (...args) { const here = new Error().stack; if (!stack && /dist/.test(here)) stack = here; return stringify.apply(this, args); };
process.on('exit', () => require('node:fs').writeSync(2, '\\nSTACK ' + stringify(stack) + '\\n'));\n`,
    );
    const result = await promisify(execFile)(process.execPath, ['-r', stackProbe, join(copy, 'bin/tokenctl.js'), 'decode', '--json', token], { env: cleanEnv(), encoding: 'utf8' });
    const stack = JSON.parse(/^STACK (.*)$/m.exec(result.stderr)![1]!) as string;
    expect(stack).toContain('tokenctl/dist/packs/');
    expect(stack).not.toContain(REPO);
    expect(stack).not.toContain(copy);
  });

  it('without its packs, dist/ loads file by file, each with its cache', async () => {
    const copy = install('unpacked');
    rmSync(join(copy, 'dist/packs'), { recursive: true });
    const { files, stdout } = await compiled(join(copy, 'bin/tokenctl.js'), ['decode', '--json', token]);
    expect(JSON.parse(stdout)).toHaveProperty('header.alg');
    expect(Object.keys(files).length).toBeGreaterThan(3);
    expect(Object.keys(files).every((file) => file.startsWith(join(copy, 'dist/chunks')) || file === join(copy, 'dist/main.js'))).toBe(true);
    expect(Object.values(files).every((rejected) => rejected === false)).toBe(true);
  });
});
