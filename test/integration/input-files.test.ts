// Files named by an option, a profile or the environment, and the files in the config dir: a FIFO
// nobody writes to, or an endless device, is refused at once (exit 2, naming the path), never waited
// on or read until memory runs out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeCertificate } from '../support/certs.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let dir: string;
let fifo: string;
let server: ScriptedServer;
const PASSPHRASE = 'pass-phrase-123';
const config = () => join(dir, 'config');
const env = (extra: Record<string, string> = {}) => ({ TOKENCTL_CONFIG_DIR: config(), TOKENCTL_PASSPHRASE: PASSPHRASE, ...extra });
const tokenUrl = () => `${server.url}/token`;
const options = { timeoutMs: 15_000 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-input-files-'));
  fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  server = await startScriptedServer([]);
  const configure = await runCli(['configure', '-p', 'b', '--token-url', tokenUrl(), '--client-id', 'cid', '--client-secret-stdin', '--store', 'file', '--no-validate'], { input: 'Zq8abcDEF123', env: env() });
  expect(configure.code, configure.stderr).toBe(0);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectRefused(result: { code: number | null; stderr: string }, path: string): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toContain(path);
  expect(result.stderr).toMatch(/FIFO|device/);
}

describe('a FIFO or an endless device named as an input file', () => {
  for (const path of ['fifo', '/dev/zero']) {
    const named = () => (path === 'fifo' ? fifo : path);
    const request = () => ['token', '--token-url', tokenUrl(), '--client-id', 'c', '--timeout', '3'];
    it(`is refused at once (${path}): --ca-file, --client-secret-file, --client-assertion-file, --certificate, --private-key, decode --file`, async () => {
      const runs = [
        [...request(), '--ca-file', named()],
        [...request(), '--client-secret-file', named()],
        [...request(), '--client-assertion-file', named()],
        [...request(), '--certificate', named()],
        ['decode', '--file', named()],
      ];
      for (const args of runs) expectRefused(await runCli(args, { ...options, env: env({ TOKENCTL_CLIENT_SECRET: 'Zq8abcDEF123' }) }), named());
      const certificate = join(dir, 'cert.pem');
      writeFileSync(certificate, makeCertificate({ commonName: 'input-files' }).certPem);
      expectRefused(await runCli([...request(), '--certificate', certificate, '--private-key', named()], { ...options, env: env() }), named());
    });
  }

  it("is refused as a profile's caFile", async () => {
    const profile = join(config(), 'profiles', 'b.json');
    const saved = readFileSync(profile, 'utf8');
    const edited = JSON.parse(saved) as { settings: Record<string, unknown> };
    edited.settings.caFile = fifo;
    writeFileSync(profile, JSON.stringify(edited), { mode: 0o600 });
    try {
      expectRefused(await runCli(['token', '-p', 'b', '--no-cache', '--timeout', '3'], { ...options, env: env() }), fifo);
    } finally {
      writeFileSync(profile, saved, { mode: 0o600 });
    }
  });
});

describe('a FIFO in the config dir', () => {
  it('as secrets/NAME.enc is refused, naming it', async () => {
    const secret = join(config(), 'secrets', 'b.enc');
    renameSync(secret, `${secret}.saved`);
    execFileSync('mkfifo', ['-m', '600', secret]);
    try {
      expectRefused(await runCli(['token', '-p', 'b', '--no-cache', '--timeout', '3'], { ...options, env: env() }), secret);
    } finally {
      rmSync(secret);
      renameSync(`${secret}.saved`, secret);
    }
  });

  it('as cache/NAME.json is no cache: the token is fetched and the cache written again', async () => {
    const cache = join(config(), 'cache', 'b.json');
    mkdirSync(join(config(), 'cache'), { recursive: true, mode: 0o700 });
    rmSync(cache, { force: true });
    execFileSync('mkfifo', ['-m', '600', cache]);
    const result = await runCli(['token', '-p', 'b', '--timeout', '3'], { ...options, env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('scripted-access-token\n');
  });

  it('as a profile is refused by token -p and skipped by list', async () => {
    const profile = join(config(), 'profiles', 'ff.json');
    execFileSync('mkfifo', ['-m', '600', profile]);
    try {
      const token = await runCli(['token', '-p', 'ff', '--timeout', '3'], { ...options, env: env() });
      expect(token.code, token.stderr).toBe(2);
      expect(token.stderr).toContain(profile);
      const list = await runCli(['list'], { ...options, env: env() });
      expect(list.stdout).toContain('b');
    } finally {
      rmSync(profile);
    }
  });
});
