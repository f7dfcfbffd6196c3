// The token is printed as the identity provider issued it, or not at all: a token that holds the
// client secret is refused in every output form, and a short secret that occurs in a good token by
// chance never makes tokenctl print the token with a piece cut out.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const SECRET = 'Zq8-echoed-Secret-value';
// A compact JWS ({"alg":"none"}.{"sub":"x"}): it starts with eyJh, as every JWT whose header begins with "alg" does.
const JWT = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln';

let server: ScriptedServer;
let dir: string;
const answer = (token: string) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }) });
const request = () => ['--token-url', `${server.url}/token`, '--client-id', 'cid'];
const env = (secret: string) => ({ TOKENCTL_CLIENT_SECRET: secret, TOKENCTL_CONFIG_DIR: join(dir, 'config') });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-handout-'));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a token that contains the client secret', () => {
  for (const token of [`prefix.${SECRET}.suffix`, SECRET]) {
    it(`is refused with exit 6 in every output form (${token.startsWith('prefix') ? 'inside' : 'the whole token'})`, async () => {
      server = await startScriptedServer(Array.from({ length: 10 }, () => answer(token)));
      for (const output of ['raw', 'json', 'header', 'env', 'kubectl']) {
        const result = await runCli(['token', ...request(), '-o', output], { env: { ...env(SECRET), KUBERNETES_EXEC_INFO: undefined } });
        expect(result.code, output).toBe(6);
        expect(result.stdout, output).toBe('');
        expect(result.stderr).toContain('token contains a secret read on this run (the client secret); nothing was printed');
        expect(result.stderr).not.toContain(SECRET);
      }
      const exec = await runCli(['exec', ...request(), '--', process.execPath, '-e', 'console.log("child ran")'], { env: env(SECRET) });
      expect(exec.code).toBe(6);
      expect(exec.stdout).toBe('');
    });
  }

  it('is neither printed nor cached for a profile', async () => {
    server = await startScriptedServer([answer(`a.${SECRET}.b`), answer(`a.${SECRET}.b`)]);
    const config = env(SECRET);
    const configure = await runCli(['configure', '-p', 'p', ...request(), '--client-secret-stdin', '--store', 'file', '--no-validate'], { input: SECRET, env: { ...config, TOKENCTL_CLIENT_SECRET: undefined, TOKENCTL_PASSPHRASE: 'pass-phrase-123' } });
    expect(configure.code, configure.stderr).toBe(0);
    const first = await runCli(['token', '-p', 'p'], { env: { ...config, TOKENCTL_CLIENT_SECRET: undefined, TOKENCTL_PASSPHRASE: 'pass-phrase-123' } });
    expect(first.code, first.stderr).toBe(6);
    expect(first.stdout).toBe('');
    const git = await runCli(['git-credential', '-p', 'p', 'get'], { input: 'protocol=https\nhost=example.com\n\n', env: { ...config, TOKENCTL_CLIENT_SECRET: undefined, TOKENCTL_PASSPHRASE: 'pass-phrase-123' } });
    expect(git.code, git.stderr).toBe(6);
    expect(git.stdout).toBe('');
    const cache = join(dir, 'config', 'cache');
    expect(existsSync(cache) ? readdirSync(cache).filter((name) => name.endsWith('.json')) : []).toEqual([]);
  });
});

describe('a short secret that occurs in a good token by chance', () => {
  it('leaves the token whole in every output form (exit 0) and says why the secret is a problem', async () => {
    server = await startScriptedServer(Array.from({ length: 10 }, () => answer(JWT)));
    for (const [output, expected] of [
      ['raw', `${JWT}\n`],
      ['header', `Authorization: Bearer ${JWT}\n`],
      ['env', `export ACCESS_TOKEN='${JWT}'\n`],
    ] as const) {
      const result = await runCli(['token', ...request(), '-o', output], { env: env('eyJh') });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(expected);
      expect(result.stderr).toMatch(/only 4 characters long/);
    }
    const json = await runCli(['token', ...request(), '--json'], { env: env('bGci') });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { access_token: string }).access_token).toBe(JWT);
  });
});
