// Concurrency loops through the built CLI against the real keychain (a private gnome-keyring): two
// configure runs at once, token during a secret rotation, remove five at once and killed half-way,
// and lock waiters behind a live holder slower than their own --timeout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, type CliResult } from '../support/cli.js';
import { startKeyring, type TestKeyring } from '../support/keyring.js';

const CLIENT_ID = 'race-client';

interface Idp {
  tokenUrl: string;
  secrets: Set<string>;
  delayMs: number;
  /** When set, answers wait for it as well. */
  gate: Promise<void> | undefined;
  requests: Array<{ secret: string; scope: string }>;
  close(): Promise<void>;
}

async function startIdp(): Promise<Idp> {
  let issued = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const secret = form.get('client_secret') ?? '';
      idp.requests.push({ secret, scope: form.get('scope') ?? '' });
      const answer = () => setTimeout(() => {
        if (!idp.secrets.has(secret)) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'bad secret' }));
          return;
        }
        issued += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `token-${issued}`, token_type: 'Bearer', expires_in: 3600 }));
      }, idp.delayMs);
      void (idp.gate ?? Promise.resolve()).then(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const idp: Idp = {
    tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    secrets: new Set(),
    delayMs: 0,
    gate: undefined,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return idp;
}

let keyring: TestKeyring;
let idp: Idp;
let configDir: string;

beforeAll(async () => {
  keyring = await startKeyring();
  idp = await startIdp();
  configDir = mkdtempSync(join(tmpdir(), 'tokenctl-race-'));
}, 30_000);
afterAll(async () => {
  await idp?.close();
  await keyring?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({ ...keyring.env, TOKENCTL_CONFIG_DIR: configDir, ...extra });
const cli = (args: string[], extra: Record<string, string> = {}, input?: string): Promise<CliResult> => runCli(args, { env: env(extra), input, timeoutMs: 60_000 });
const configure = (name: string, secret: string, extra: string[] = []) =>
  cli(['configure', '-p', name, '--token-url', idp.tokenUrl, '--client-id', CLIENT_ID, '--auth-method', 'client_secret_post', '--scope', 'read', ...extra], { TOKENCTL_CLIENT_SECRET: secret });
const profileFile = (name: string) => join(configDir, 'profiles', `${name}.json`);
const describeFailures = (results: CliResult[]) => results.filter((r) => r.code !== 0).map((r) => `exit ${r.code}: ${r.stderr.trim()}`);

describe('concurrency, through the CLI and the real keychain', () => {
  it('two configure runs at once, one with a new secret and one with --scope: both take effect, every round', async () => {
    idp.secrets = new Set(['rot-0']);
    expect((await configure('rot', 'rot-0')).code).toBe(0);
    const broken: string[] = [];
    const rounds = 5;
    idp.delayMs = 100; // both runs read the profile before either saves
    for (let round = 1; round <= rounds; round++) {
      const secret = `rot-${round}`;
      idp.secrets.add(secret);
      const [rotation, rescope] = await Promise.all([cli(['configure', '-p', 'rot'], { TOKENCTL_CLIENT_SECRET: secret }), cli(['configure', '-p', 'rot', '--scope', `scope-${round}`])]);
      const token = await cli(['token', '-p', 'rot', '--refresh']);
      const saved = JSON.parse(readFileSync(profileFile('rot'), 'utf8')) as { settings: { scopes: string[] } };
      const last = idp.requests.at(-1);
      if (rotation.code !== 0 || rescope.code !== 0 || token.code !== 0 || last?.secret !== secret || saved.settings.scopes.join(' ') !== `scope-${round}`) {
        broken.push(`round ${round}: configure ${rotation.code}/${rescope.code}, token ${token.code} (${token.stderr.trim().split('\n').at(-1)}), sent ${last?.secret} ${last?.scope}`);
      }
    }
    idp.delayMs = 0;
    expect(broken, `${broken.length} of ${rounds} rounds lost an update`).toEqual([]);
  }, 240_000);

  it('token -p during secret rotations: never "client secret missing"', async () => {
    idp.secrets = new Set(['spin-0']);
    expect((await configure('spin', 'spin-0')).code).toBe(0);
    const results: CliResult[] = [];
    for (let round = 1; round <= 10; round++) {
      idp.secrets.add(`spin-${round}`);
      const rotation = cli(['configure', '-p', 'spin', '--no-validate'], { TOKENCTL_CLIENT_SECRET: `spin-${round}` });
      const tokens = Array.from({ length: 4 }, (_, i) => sleep(i * 15).then(() => cli(['token', '-p', 'spin', i % 2 ? '--no-cache' : '--refresh'])));
      expect((await rotation).code).toBe(0);
      results.push(...(await Promise.all(tokens)));
    }
    expect(describeFailures(results), `of ${results.length} token -p runs`).toEqual([]);
  }, 240_000);

  it('remove -p five at once, for many rounds: no crash, all succeed, one removes and the others find it already removed', async () => {
    idp.secrets = new Set(['gone']);
    const results: CliResult[] = [];
    for (let round = 0; round < 6; round++) {
      expect((await configure('s', 'gone')).code).toBe(0);
      expect((await cli(['token', '-p', 's'])).code).toBe(0);
      const removes = await Promise.all(Array.from({ length: 5 }, () => cli(['remove', '-p', 's', '--yes'])));
      results.push(...removes);
      expect(removes.filter((r) => r.stderr.includes('removed s (profile')).length, removes.map((r) => r.stderr).join('\n')).toBe(1);
      expect(removes.filter((r) => r.stderr.includes('s had already been removed')).length).toBe(4);
      expect(existsSync(profileFile('s'))).toBe(false);
    }
    // Whether it waited for the lock or started after the first had finished: exit 0, never 3, never a crash.
    expect(describeFailures(results), `of ${results.length} removes`).toEqual([]);
  }, 240_000);

  it('kill -9 during remove never leaves a profile whose secret is gone', async () => {
    idp.secrets = new Set(['killed']);
    const orphans: string[] = [];
    for (let round = 0; round < 6; round++) {
      expect((await configure('k', 'killed')).code).toBe(0);
      const child: ChildProcess = spawn(process.execPath, [BIN, 'remove', '-p', 'k', '--yes'], { env: { ...process.env, ...env() }, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('close', resolve));
      await sleep(150 + round * 40);
      child.kill('SIGKILL');
      await exited;
      if (existsSync(profileFile('k'))) {
        const token = await cli(['token', '-p', 'k', '--refresh']);
        if (token.code !== 0) orphans.push(`round ${round}: exit ${token.code}: ${token.stderr.trim()}`);
      } else {
        // Killed after the file went: the same remove again removes what was left (exit 0), or finds
        // nothing left to remove (exit 3, the killed one had finished); either way nothing of k stays.
        const again = await cli(['remove', '-p', 'k', '--yes']);
        if (again.code !== 0 && again.code !== 3) orphans.push(`round ${round}: remove again: exit ${again.code}: ${again.stderr.trim()}`);
        const left = spawnSync('secret-tool', ['search', '--all', 'service', 'tokenctl'], { env: { ...process.env, ...keyring.env }, encoding: 'utf8' });
        if (/attribute\.account = k:/.test(left.stdout)) orphans.push(`round ${round}: secrets of k left behind after remove again:\n${left.stdout}`);
      }
    }
    expect(orphans).toEqual([]);
  }, 240_000);

  it("waiters behind a live lock holder slower than their own bound wait for it (the holder's bound is in the lock file), and share its one request", async () => {
    idp.secrets = new Set(['slow']);
    expect((await configure('slow', 'slow', ['--no-validate'])).code).toBe(0);
    idp.requests.length = 0;
    // The holder (--timeout 90) is answered only once the waiters (--timeout 1) have all exited, or
    // after 34 s: past a waiter's own bound (its timeout plus the keychain's plus 30 s), where a
    // waiter used to take the live holder's lock over, make a second request, and fail with exit 6.
    let release = () => {};
    idp.gate = new Promise<void>((resolve) => (release = resolve));
    const holder = cli(['token', '-p', 'slow', '--timeout', '90']);
    while (idp.requests.length === 0) await sleep(20);
    const recorded = JSON.parse(readFileSync(join(configDir, 'locks', 'slow.lock'), 'utf8')) as { pid: number; staleMs: number };
    expect(recorded.staleMs).toBeGreaterThanOrEqual(90_000 + 30_000);
    const waiting = Promise.all(Array.from({ length: 4 }, () => cli(['token', '-p', 'slow', '--timeout', '1'], { TOKENCTL_KEYCHAIN_TIMEOUT: '1' })));
    await Promise.race([waiting, sleep(34_000)]);
    const requestsWhileHeld = idp.requests.length;
    release();
    const waiters = await waiting;
    idp.gate = undefined;
    const first = await holder;
    expect(first.code, first.stderr).toBe(0);
    expect(requestsWhileHeld).toBe(1);
    expect(describeFailures(waiters)).toEqual([]);
    expect(new Set(waiters.map((w) => w.stdout))).toEqual(new Set([first.stdout]));
    expect(idp.requests).toHaveLength(1);
  }, 120_000);
});
