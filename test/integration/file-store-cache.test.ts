import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

// A cache hit of a file-store profile must not need the passphrase-derived key (scrypt runs for
// seconds at a high cost): its cache key lives in the per-session runtime directory, outside the
// config dir, so a copy of the config dir still cannot decrypt the cached token.
const PASSPHRASE = 'correct horse battery staple';
const SECRET = 'file-store-client-secret';
let server: Server;
let tokenUrl: string;
let issued = 0;
const work = mkdtempSync(join(tmpdir(), 'tokenctl-file-cache-'));
const configDir = join(work, 'config');
const runtimeDir = mkdtempSync(join(work, 'run-'));

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { env: { TOKENCTL_CONFIG_DIR: configDir, XDG_RUNTIME_DIR: runtimeDir, TOKENCTL_PASSPHRASE: undefined, TOKENCTL_CLIENT_SECRET: undefined, ...env } });

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume().on('end', () => {
      issued++;
      const token = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ sub: 'svc', n: issued })).toString('base64url')}.`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: token }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('token cache of a file-store profile', () => {
  it('a cache hit needs no passphrase; the key is in the runtime directory, nowhere in the config dir', async () => {
    const configure = await cli(['configure', '-p', 'ci', '--store', 'file', '--token-url', tokenUrl, '--client-id', 'svc'], { TOKENCTL_PASSPHRASE: PASSPHRASE, TOKENCTL_CLIENT_SECRET: SECRET });
    expect(configure.code, configure.stderr).toBe(0);
    const before = issued;
    const hit = await cli(['token', '-p', 'ci']);
    expect(hit).toMatchObject({ code: 0, stderr: '' });
    expect(hit.stdout).toMatch(/^eyJ/);
    expect(issued).toBe(before);

    const keyFiles = filesUnder(join(runtimeDir, 'tokenctl'));
    expect(keyFiles).toHaveLength(1);
    const key = readFileSync(keyFiles[0]!, 'utf8').trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    for (const file of filesUnder(configDir)) expect(readFileSync(file, 'utf8')).not.toContain(key);
  });

  it('a copy of the config dir, without the runtime directory, decrypts nothing: a miss, which needs the passphrase', async () => {
    const copy = join(work, 'copied-config');
    cpSync(configDir, copy, { recursive: true });
    const elsewhere = mkdtempSync(join(work, 'run-'));
    const env = { TOKENCTL_CONFIG_DIR: copy, XDG_RUNTIME_DIR: elsewhere };
    const before = issued;
    const locked = await cli(['token', '-p', 'ci'], env);
    expect(locked.code).toBe(4);
    expect(locked.stdout).toBe('');
    expect(locked.stderr).toContain('TOKENCTL_PASSPHRASE');
    expect(issued).toBe(before);
    const unlocked = await cli(['token', '-p', 'ci'], { ...env, TOKENCTL_PASSPHRASE: PASSPHRASE });
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(issued).toBe(before + 1);
    expect((await cli(['token', '-p', 'ci'], env)).code).toBe(0);
    expect(issued).toBe(before + 1);
  });

  it('remove deletes the runtime key with the cache', async () => {
    expect((await cli(['remove', '-p', 'ci', '--yes'], { TOKENCTL_PASSPHRASE: PASSPHRASE })).code).toBe(0);
    expect(filesUnder(join(runtimeDir, 'tokenctl'))).toEqual([]);
  });
});
