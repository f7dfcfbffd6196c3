import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, withoutDestinations } from '../support/cli.js';
import { startTokenEndpoint, type TokenEndpoint } from '../support/token-endpoint.js';

const SECRET = 'exec-S3cret-canary-4d1e';
let idp: TokenEndpoint;
let work: string;
let configDir: string;

const baseEnv = () => ({ TOKENCTL_CONFIG_DIR: configDir, TOKENCTL_PASSPHRASE: 'file-store-passphrase-1', GITHUB_ACTIONS: undefined, TF_BUILD: undefined });
const request = () => ['--token-url', idp.url, '--client-id', 'svc'];

// A child that reports what it was given: environment, argv, its parent's argv, and stdin.
const REPORTER = `
const fs = require('node:fs');
const input = fs.readFileSync(0, 'utf8');
process.stderr.write('to stderr\\n');
process.stdout.write(JSON.stringify({
  env: process.env,
  argv: process.argv,
  parentArgv: fs.readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8').split('\\0'),
  input,
}));
process.exit(42);
`;

beforeAll(async () => {
  idp = await startTokenEndpoint();
  work = mkdtempSync(join(tmpdir(), 'tokenctl-exec-'));
  configDir = join(work, 'config');
  const saved = await runCli(['configure', '-p', 'erp', '--store', 'file', ...request(), '--no-validate'], { env: { ...baseEnv(), TOKENCTL_CLIENT_SECRET: SECRET } });
  expect(withoutDestinations(saved.stderr)).toBe('');
  expect(saved.code).toBe(0);
});
afterAll(() => idp.close());

describe('tokenctl exec', () => {
  it('runs the command with the token in ACCESS_TOKEN, passes stdio through and exits with its code', async () => {
    const result = await runCli(['exec', '-p', 'erp', '--', process.execPath, '-e', REPORTER, 'one', 'two words'], { input: 'from stdin\n', env: { ...baseEnv(), TOKENCTL_CLIENT_SECRET: SECRET } });
    expect(result.code).toBe(42);
    // A pipeline's log keeps where the credential went, then the command's own stderr.
    expect(result.stderr).toBe('tokenctl: sending the client secret of client svc to 127.0.0.1\nto stderr\n');
    const seen = JSON.parse(result.stdout) as { env: Record<string, string>; argv: string[]; parentArgv: string[]; input: string };
    const token = idp.issued.at(-1) as string;
    expect(seen.env.ACCESS_TOKEN).toBe(token);
    expect(seen.input).toBe('from stdin\n');
    expect(seen.argv.slice(1)).toEqual(['one', 'two words']);
    // The token is in no argv, the secret in no environment of the child.
    expect(seen.argv.join(' ')).not.toContain(token);
    expect(seen.parentArgv.join(' ')).not.toContain(token);
    expect(seen.parentArgv).toContain('exec');
    expect(JSON.stringify(seen.env)).not.toContain(SECRET);
    expect(seen.env).not.toHaveProperty('TOKENCTL_CLIENT_SECRET');
    expect(seen.env).not.toHaveProperty('TOKENCTL_PASSPHRASE');
    expect(seen.env.TOKENCTL_CONFIG_DIR).toBe(configDir);
  });

  it('--env VAR and VAR=FIELD, served from the cache on the next run', async () => {
    const before = idp.issued.length;
    const result = await runCli(['exec', '-p', 'erp', '--env', 'API_TOKEN', '--env', 'API_EXPIRES=expires_at', '--env', 'API_TYPE=token_type', '--env', 'API_IN=expires_in', '--', 'sh', '-c', 'printf "%s|%s|%s|%s|%s" "$API_TOKEN" "$API_EXPIRES" "$API_TYPE" "$API_IN" "${ACCESS_TOKEN-unset}"'], {
      env: baseEnv(),
    });
    expect(withoutDestinations(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    const [token, expires, type, seconds, plain] = result.stdout.split('|');
    expect(idp.issued.length).toBe(before);
    expect(token).toBe(idp.issued.at(-1));
    expect(Date.parse(expires as string) - Date.now()).toBeGreaterThan(3000_000);
    expect(type).toBe('Bearer');
    expect(Number(seconds)).toBeGreaterThan(3000);
    expect(plain).toBe('unset');
  });

  it('without a profile, from request options, like token', async () => {
    const result = await runCli(['exec', ...request(), '--', 'sh', '-c', 'test "$ACCESS_TOKEN" = "$1" || exit 9', 'sh', 'placeholder'], { env: { ...baseEnv(), TOKENCTL_CLIENT_SECRET: SECRET } });
    // The child compares against a placeholder: it must fail with its own code, 9.
    expect(result.code).toBe(9);
  });

  it("fails with tokenctl's own code, and never starts the command, when no token can be had", async () => {
    const marker = join(work, 'ran');
    const missing = await runCli(['exec', '-p', 'nosuch', '--', 'touch', marker], { env: baseEnv() });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/profile/);
    const unreachable = await runCli(['exec', '--token-url', 'http://127.0.0.1:9/token', '--client-id', 'svc', '--timeout', '5', '--', 'touch', marker], { env: { ...baseEnv(), TOKENCTL_CLIENT_SECRET: SECRET } });
    expect(unreachable.code).toBe(6);
    const badEnv = await runCli(['exec', '-p', 'erp', '--env', 'X=password', '--', 'touch', marker], { env: baseEnv() });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/"password" is not a token field/);
    expect(existsSync(marker)).toBe(false);
  }, 90_000);

  it('127 for a command that does not exist, 126 for one that cannot be run', async () => {
    const notFound = await runCli(['exec', '-p', 'erp', '--', 'tokenctl-no-such-command'], { env: baseEnv() });
    expect(notFound.code).toBe(127);
    expect(notFound.stderr).toMatch(/command not found: "tokenctl-no-such-command"/);
    const script = join(work, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const notExecutable = await runCli(['exec', '-p', 'erp', '--', script], { env: baseEnv() });
    expect(notExecutable.code).toBe(126);
    expect(notExecutable.stdout).toBe('');
  });

  it('says to put -- before a command with options of its own', async () => {
    const result = await runCli(['exec', '-p', 'erp', 'curl', '-s', 'https://example.com'], { env: baseEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '-s'[\s\S]*tokenctl exec -p NAME -- COMMAND/);
  });

  it('under GitHub Actions registers the token with the log masker on stderr, before the command runs', async () => {
    const result = await runCli(['exec', '-p', 'erp', '--', 'sh', '-c', 'echo "$ACCESS_TOKEN"; echo child-err >&2'], { env: { ...baseEnv(), GITHUB_ACTIONS: 'true' } });
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(idp.issued).toContain(token);
    expect(withoutDestinations(result.stderr)).toBe(`::add-mask::${token}\nchild-err\n`);
  });
});

describe('tokenctl exec and signals', () => {
  // Reports each signal it gets and exits 40 + its number; without `trap`, dies of the signal.
  const CHILD = `
const trap = process.argv[1] === 'trap';
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  if (trap) process.on(signal, () => { process.stdout.write('got ' + signal + '\\n'); process.exit(40 + number); });
}
process.stdout.write('ready\\n');
setTimeout(() => process.exit(99), 20000);
`;

  function runWithSignal(signal: NodeJS.Signals, mode: 'trap' | 'die'): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'exec', '-p', 'erp', '--', process.execPath, '-e', CHILD, mode], {
        env: { ...process.env, ...Object.fromEntries(Object.entries(baseEnv()).filter(([, v]) => v !== undefined)) } as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 25_000,
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (data: string) => {
        stdout += data;
        if (stdout === 'ready\n') child.kill(signal);
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
  }

  it.each([
    ['SIGTERM', 15],
    ['SIGINT', 2],
    ['SIGHUP', 1],
  ] as const)('passes %s on to the command and exits with its code', async (signal, number) => {
    const result = await runWithSignal(signal, 'trap');
    expect(result.stdout).toBe(`ready\ngot ${signal}\n`);
    expect(result.code).toBe(40 + number);
  });

  it('exits 128 + N when signal N ends the command', async () => {
    const result = await runWithSignal('SIGTERM', 'die');
    expect(result.stdout).toBe('ready\n');
    expect(result.code).toBe(128 + 15);
  });
});
