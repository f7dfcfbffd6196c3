// A credential given as a command-line value (an extra --param, a query in an endpoint URL) sits in
// shell history and process listings: refused while parsing, exit 2, before anything is sent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let dir: string;
beforeAll(async () => {
  server = await startScriptedServer([]);
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-argv-secrets-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ TOKENCTL_CLIENT_SECRET: 'Zq8abcDEF123', TOKENCTL_CONFIG_DIR: join(dir, 'config'), TOKENCTL_PASSPHRASE: 'pass-phrase-123' });

describe('a credential as a command-line value', () => {
  const params = ['password=hunter2', 'refresh_token=r', 'assertion=a', 'client_assertion=a', 'code_verifier=v', 'Client_Secret=s', 'CLIENT_SECRET=s', 'app_secret=s'];
  it('--param NAME=… is refused (any case) for token and for configure before its live request', async () => {
    for (const param of params) {
      for (const command of [['token'], ['configure', '-p', 'x', '--store', 'file']]) {
        const result = await runCli([...command, '--token-url', `${server.url}/token`, '--client-id', 'c', '--param', param], { env: env() });
        expect(result.code, `${command[0]} ${param}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toContain('TOKENCTL_CLIENT_SECRET');
      }
    }
    expect(server.requests).toEqual([]);
  });

  it('an endpoint URL whose query carries a credential is refused', async () => {
    for (const [option, url] of [
      ['--token-url', `${server.url}/token?client_secret=s`],
      ['--token-url', `${server.url}/token?x=1&Password=p`],
      ['--issuer', `${server.url}/?refresh_token=r`],
      ['--authority-host', 'https://login.example.com/?client_secret=s'],
    ] as const) {
      const result = await runCli(['token', option, url, '--client-id', 'c', ...(option === '--authority-host' ? ['--tenant', 'contoso.example', '--resource', 'api://x'] : [])], { env: env() });
      expect(result.code, `${option} ${url}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/in its query/);
    }
    expect(server.requests).toEqual([]);
  });

  it('an ordinary --param is still sent', async () => {
    const result = await runCli(['token', '--token-url', `${server.url}/token`, '--client-id', 'c', '--param', 'requested_token_use=on_behalf_of'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(server.requests.at(-1)?.body).toContain('requested_token_use=on_behalf_of');
  });
});
