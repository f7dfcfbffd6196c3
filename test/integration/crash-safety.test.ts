// kill -9 at the worst moments: while configure waits for the identity provider, and while token
// holds the per-profile lock. What is on disk afterwards must still work, with nobody cleaning up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, type CliResult } from '../support/cli.js';
import { findExecutable, startKeyring, type TestKeyring } from '../support/keyring.js';

const CLIENT_ID = 'crash-client';
const OLD_SECRET = 'old-secret-5c1f';
const NEW_SECRET = 'new-secret-9ad2';

/**
 * A client_secret_post token endpoint that can be told to hang: a slow identity provider whose
 * requests the test can see arrive. Tokens are unsigned JWTs numbered in the order issued.
 */
interface SlowIdp {
  tokenUrl: string;
  /** The client secret of every token request received, in order. */
  requests: string[];
  /** The secrets it accepts. */
  secrets: Set<string>;
  /** While true, requests are held open without an answer. */
  hang: boolean;
  /** Resolves once `count` requests have arrived in total. */
  received(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function startSlowIdp(): Promise<SlowIdp> {
  let issued = 0;
  const held = new Set<ServerResponse>();
  const waiters = new Set<() => void>();
  const respond = (res: ServerResponse, secret: string | null) => {
    if (!secret || !idp.secrets.has(secret)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'client authentication failed' }));
      return;
    }
    issued += 1;
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: CLIENT_ID, n: issued, iat: now, exp: now + 3600 })}.`;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const secret = form.get('client_id') === CLIENT_ID ? form.get('client_secret') : null;
      idp.requests.push(secret ?? '');
      waiters.forEach((wake) => wake());
      if (idp.hang) {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      respond(res, secret);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const idp: SlowIdp = {
    tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    requests: [],
    secrets: new Set([OLD_SECRET]),
    hang: false,
    received: (count, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (idp.requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the identity provider received ${idp.requests.length} requests within ${timeoutMs} ms, not ${count}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return idp;
}

let keyring: TestKeyring;
let idp: SlowIdp;
let configDir: string;
const running = new Set<ChildProcess>();

const env = (extra: Record<string, string | undefined> = {}) => ({ ...keyring.env, TOKENCTL_CONFIG_DIR: configDir, ...extra });
const cli = (args: string[], options: { input?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> =>
  runCli(args, { input: options.input, env: env(options.env), timeoutMs: 15_000 });

interface Started {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process has exited and been reaped (a zombie would still answer kill(pid, 0)). */
  exited: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** `tokenctl ARGS` as a child whose handle the test keeps, to kill it. */
function start(args: string[], extraEnv: Record<string, string | undefined> = {}): Started {
  const merged: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env(extraEnv) };
  const child = spawn(process.execPath, [BIN, ...args], {
    env: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  if (child.pid === undefined) throw new Error('tokenctl did not start');
  return { child, pid: child.pid, exited };
}

async function killHard(started: Started): Promise<void> {
  started.child.kill('SIGKILL');
  const result = await started.exited;
  expect(result.signal, `it finished before it was killed: ${result.stderr}`).toBe('SIGKILL');
}

/** Until the identity provider has received `count` requests; fails at once if `started` exits first. */
async function requestArrives(started: Started, count: number): Promise<void> {
  const early = started.exited.then((result) => {
    throw new Error(`tokenctl ended (${result.signal ?? `exit ${result.code}`}) before its request reached the identity provider: ${result.stderr}`);
  });
  early.catch(() => undefined);
  await Promise.race([idp.received(count), early]);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const profilesDir = () => join(configDir, 'profiles');
const lockFile = (name: string) => join(configDir, 'locks', `${name}.lock`);
const cacheFile = (name: string) => join(configDir, 'cache', `${name}.json`);
const readOptional = (path: string) => (existsSync(path) ? readFileSync(path) : undefined);
const tokenNumber = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { n: number }).n;

/** The accounts under the service "tokenctl" in the private keyring, as secret-tool sees them; undefined without secret-tool. */
function keychainAccounts(): string[] | undefined {
  const secretTool = findExecutable('secret-tool');
  if (!secretTool) return undefined;
  const result = spawnSync(secretTool, ['search', '--all', 'service', 'tokenctl'], { env: { ...process.env, ...keyring.env }, encoding: 'utf8', timeout: 10_000 });
  if (result.error) throw result.error;
  return [...`${result.stdout}\n${result.stderr}`.matchAll(/^attribute\.account = (.*)$/gm)].map((m) => m[1] as string).sort();
}

async function configure(name: string, extra: string[] = []): Promise<void> {
  const result = await cli(['configure', '-p', name, '--token-url', idp.tokenUrl, '--client-id', CLIENT_ID, '--auth-method', 'client_secret_post', '--client-secret-stdin', ...extra], { input: `${OLD_SECRET}\n` });
  expect(result.code, result.stderr).toBe(0);
}

beforeAll(async () => {
  keyring = await startKeyring();
  idp = await startSlowIdp();
  configDir = mkdtempSync(join(tmpdir(), 'tokenctl-crash-'));
});

afterEach(() => {
  idp.hang = false;
  idp.secrets = new Set([OLD_SECRET]);
  for (const child of running) child.kill('SIGKILL');
});

afterAll(async () => {
  await idp?.close();
  await keyring?.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe('kill -9 during configure', () => {
  it('while the identity provider validates a new secret: the old profile, secret and cache still work', async () => {
    await configure('crash-cfg');
    const profileBefore = readFileSync(join(profilesDir(), 'crash-cfg.json'));
    const cacheBefore = readOptional(cacheFile('crash-cfg'));
    expect(cacheBefore).toBeDefined();
    const accountsBefore = keychainAccounts();

    idp.hang = true;
    const requests = idp.requests.length;
    const update = start(['configure', '-p', 'crash-cfg', '--scope', 'changed'], { TOKENCTL_CLIENT_SECRET: NEW_SECRET });
    await requestArrives(update, requests + 1);
    expect(idp.requests.at(-1)).toBe(NEW_SECRET); // configure is now waiting for the validation
    await killHard(update);
    idp.hang = false;

    // Exactly as before: the profile still points at the old secret, which is still in the keychain.
    expect(readFileSync(join(profilesDir(), 'crash-cfg.json')).equals(profileBefore)).toBe(true);
    expect(readOptional(cacheFile('crash-cfg'))?.equals(cacheBefore as Buffer)).toBe(true);
    const accounts = keychainAccounts();
    if (accounts) expect(accounts).toEqual(accountsBefore);
    expect(readdirSync(profilesDir())).toEqual(['crash-cfg.json']);

    const cached = await cli(['token', '-p', 'crash-cfg', '-o', 'json']);
    expect(cached.code, cached.stderr).toBe(0);
    expect(JSON.parse(cached.stdout)).toMatchObject({ cached: true });
    const refreshed = await cli(['token', '-p', 'crash-cfg', '--refresh', '-o', 'json']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ cached: false });
    expect(idp.requests.at(-1)).toBe(OLD_SECRET);

    const list = await cli(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(rows).toContainEqual(expect.objectContaining({ name: 'crash-cfg', clientId: CLIENT_ID, cachedTokenExpiresAt: expect.any(String) }));
    expect(rows.filter((row) => 'problem' in row)).toEqual([]);
  });

  it('at any moment after the identity provider answered: the profile parses and works, list shows no problem', async () => {
    // Both secrets are valid here, so whichever the profile points at after the crash must work.
    idp.secrets = new Set([OLD_SECRET, NEW_SECRET]);
    // How long configure takes from the answer to its exit on this machine: the kill points are
    // spread over that, through save() (new secret, profile file, old secret's removal, cache).
    await configure('crash-save-calibrate');
    const calibrate = start(['configure', '-p', 'crash-save-calibrate'], { TOKENCTL_CLIENT_SECRET: NEW_SECRET });
    await requestArrives(calibrate, idp.requests.length + 1);
    const answered = Date.now();
    expect((await calibrate.exited).code).toBe(0);
    const saveMs = Date.now() - answered;

    for (let step = 0; step < 6; step++) {
      const delayMs = Math.round((saveMs * step) / 6);
      const name = `crash-save-${step}`;
      await configure(name);
      const requests = idp.requests.length;
      const update = start(['configure', '-p', name], { TOKENCTL_CLIENT_SECRET: NEW_SECRET });
      await requestArrives(update, requests + 1);
      await sleep(delayMs);
      update.child.kill('SIGKILL');
      const result = await update.exited;
      if (result.signal !== 'SIGKILL') expect(result.code, result.stderr).toBe(0); // finished first: fine too

      const profile = JSON.parse(readFileSync(join(profilesDir(), `${name}.json`), 'utf8')) as { name: string; secretAccounts: { clientSecret: string } };
      expect(profile).toMatchObject({ name, secretAccounts: { clientSecret: expect.stringMatching(new RegExp(`^${name}:client-secret:`)) } });
      const token = await cli(['token', '-p', name, '-o', 'json']);
      expect(token.code, `killed after ${delayMs} ms: ${token.stderr}`).toBe(0);
      const refreshed = await cli(['token', '-p', name, '--refresh']);
      expect(refreshed.code, `killed after ${delayMs} ms: ${refreshed.stderr}`).toBe(0);
    }
    // Leftover temporary files, if any, are not profiles.
    for (const file of readdirSync(profilesDir())) expect(file).toMatch(/^crash-[\w-]+\.json$|\.tmp$/);
    const list = await cli(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Array<Record<string, unknown>>).filter((row) => 'problem' in row)).toEqual([]);
  }, 90_000);
});

describe('kill -9 while token holds the profile lock', () => {
  it('on an empty cache: the lock names a dead pid, and the next token -p takes it over at once', async () => {
    await configure('crash-lock', ['--no-validate']);
    expect(existsSync(cacheFile('crash-lock'))).toBe(false);

    idp.hang = true;
    const requests = idp.requests.length;
    const first = start(['token', '-p', 'crash-lock']);
    await requestArrives(first, requests + 1); // the request is sent under the lock
    const holder = JSON.parse(readFileSync(lockFile('crash-lock'), 'utf8')) as { pid: number };
    expect(holder.pid).toBe(first.pid);
    await killHard(first);
    idp.hang = false;

    expect(processAlive(holder.pid)).toBe(false);
    expect(JSON.parse(readFileSync(lockFile('crash-lock'), 'utf8'))).toMatchObject({ pid: holder.pid });
    expect(existsSync(cacheFile('crash-lock'))).toBe(false); // absent, not half-written

    const started = Date.now();
    const next = await cli(['token', '-p', 'crash-lock', '-o', 'json']);
    const elapsed = Date.now() - started;
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ cached: false });
    // The stale timeout is 60 s (timeout + 30 s): a dead holder is taken over without waiting for it.
    expect(elapsed).toBeLessThan(5_000);
    expect(existsSync(lockFile('crash-lock'))).toBe(false);
    const again = await cli(['token', '-p', 'crash-lock', '-o', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ cached: true, access_token: JSON.parse(next.stdout).access_token });
  });

  it('during --refresh: the old cached token is still served, and the next refresh takes the lock over', async () => {
    await configure('crash-refresh');
    const cacheBefore = readFileSync(cacheFile('crash-refresh'));
    const old = await cli(['token', '-p', 'crash-refresh', '-o', 'json']);
    const oldToken = (JSON.parse(old.stdout) as { access_token: string }).access_token;

    idp.hang = true;
    const requests = idp.requests.length;
    const refresh = start(['token', '-p', 'crash-refresh', '--refresh']);
    await requestArrives(refresh, requests + 1);
    expect(JSON.parse(readFileSync(lockFile('crash-refresh'), 'utf8'))).toMatchObject({ pid: refresh.pid });
    await killHard(refresh);
    idp.hang = false;

    expect(processAlive(refresh.pid)).toBe(false);
    expect(existsSync(lockFile('crash-refresh'))).toBe(true);
    expect(readFileSync(cacheFile('crash-refresh')).equals(cacheBefore)).toBe(true);
    const cached = await cli(['token', '-p', 'crash-refresh', '-o', 'json']);
    expect(cached.code, cached.stderr).toBe(0);
    expect(JSON.parse(cached.stdout)).toMatchObject({ cached: true, access_token: oldToken });

    const started = Date.now();
    const refreshed = await cli(['token', '-p', 'crash-refresh', '--refresh', '-o', 'json']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    const fresh = (JSON.parse(refreshed.stdout) as { access_token: string }).access_token;
    expect(tokenNumber(fresh)).toBeGreaterThan(tokenNumber(oldToken));
    expect(existsSync(lockFile('crash-refresh'))).toBe(false);
    expect(JSON.parse((await cli(['token', '-p', 'crash-refresh', '-o', 'json'])).stdout)).toMatchObject({ cached: true, access_token: fresh });
  });

  it('10 waiters queued behind a holder that is killed all finish, each with a fresh token', async () => {
    await configure('crash-fleet', ['--no-validate']);
    idp.hang = true;
    const requests = idp.requests.length;
    const holder = start(['token', '-p', 'crash-fleet']);
    await requestArrives(holder, requests + 1);
    const waiters = Array.from({ length: 10 }, () => start(['token', '-p', 'crash-fleet']));
    // Nothing outside shows a process polling a lock; give them time to get there. The assertions
    // hold either way: a waiter that starts late simply finds the lock gone or the cache filled.
    await sleep(1_500);
    expect(waiters.every((w) => w.child.exitCode === null)).toBe(true); // all still waiting
    expect(idp.requests.length).toBe(requests + 1);
    idp.hang = false;
    await killHard(holder);

    const results = await Promise.all(waiters.map((w) => w.exited));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    for (const result of results) expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.\n$/);
    // Exactly one new request between them: one waiter takes the dead holder's lock over, the
    // others read its token.
    expect(idp.requests.length - (requests + 1)).toBe(1);
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
    // Whatever is left is not in anyone's way: no lock, or one whose holder is gone.
    if (existsSync(lockFile('crash-fleet'))) expect(processAlive((JSON.parse(readFileSync(lockFile('crash-fleet'), 'utf8')) as { pid: number }).pid)).toBe(false);
    const cached = await cli(['token', '-p', 'crash-fleet', '-o', 'json']);
    expect(cached.code, cached.stderr).toBe(0);
    expect(JSON.parse(cached.stdout)).toMatchObject({ cached: true });
  });
});
