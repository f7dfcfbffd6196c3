import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { findExecutable } from '../support/keyring.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const REAL_CURL = findExecutable('curl');
const needsCurl = !REAL_CURL && !process.env.CI;

let server: ScriptedServer;
let dir: string;
beforeAll(async () => {
  server = await startScriptedServer([]);
  dir = await mkdtemp(join(tmpdir(), 'tokenctl-curl-'));
  // A curl that writes down its command line, then does the real work.
  await writeFile(join(dir, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$0" "$@" > "${dir}/argv"\nexec ${REAL_CURL} "$@"\n`);
  await chmod(join(dir, 'curl'), 0o755);
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function bash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { env: { ...process.env, ...env, PATH: `${dir}:${process.env.PATH}` } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(needsCurl)('validate --curl, run as printed', () => {
  for (const [authMethod, secret] of [
    ['client_secret_post', 'post-s3cret+/=% é'],
    ['client_secret_basic', 'basicSecret-only.safe_chars'],
    ['client_secret_basic', 'basic s3cret:+/%'],
  ] as const) {
    it(`${authMethod} with ${JSON.stringify(secret)}: the server gets the secret, curl's command line never has it`, async () => {
      const config = join(dir, `config-${authMethod}-${secret.length}`);
      const env = { TOKENCTL_CONFIG_DIR: config, TOKENCTL_PASSPHRASE: 'curl test passphrase', TOKENCTL_CLIENT_SECRET: secret };
      const configured = await runCli(['configure', '-p', 'c', '--token-url', `${server.url}/token`, '--client-id', 'svc id', '--auth-method', authMethod, '--store', 'file', '--no-validate'], { env });
      expect(configured.code).toBe(0);
      const printed = await runCli(['validate', '-p', 'c', '--curl'], { env });
      expect(printed.code).toBe(0);
      expect(printed.stdout).not.toContain(secret);

      const before = server.requests.length;
      const run = await bash(printed.stdout, { TOKENCTL_CLIENT_SECRET: secret });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(server.requests.length).toBe(before + 1);
      const sent = server.requests.at(-1)!;
      if (authMethod === 'client_secret_post') {
        expect(new URLSearchParams(sent.body).get('client_secret')).toBe(secret);
      } else {
        const pair = Buffer.from(String(sent.headers.authorization).replace(/^Basic /, ''), 'base64').toString();
        const [id, value] = pair.split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
        expect([id, value]).toEqual(['svc id', secret]);
      }
      const argv = await readFile(join(dir, 'argv'), 'utf8');
      expect(argv).toContain(`${server.url}/token`);
      expect(argv).not.toContain(secret);
      expect(argv).not.toContain(encodeURIComponent(secret));
      expect(argv).not.toContain(String(sent.headers.authorization ?? 'no header').replace(/^Basic /, ''));
    });
  }
});
