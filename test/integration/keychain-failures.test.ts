// Every command that touches the keychain, against every way a real Secret Service fails: it ends
// with exit 4 within the keychain's deadline plus a second, says which of the four states it met
// (unavailable, locked, access denied, missing) and gives a fix the command can act on.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { keyringAvailable } from '../support/keyring.js';
import { ptyAvailable, spawnPty } from '../support/pty.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import {
  startBus,
  startFreezingRelay,
  startGnomeKeyring,
  startSilentPrompter,
  startSilentSocket,
  type FakeEndpoint,
  type PrivateBus,
  type PrivateKeyring,
} from '../support/secret-service.js';

const inCi = process.env.CI === 'true';
const availability = keyringAvailable();
const skipReason = !availability.ok && !inCi ? availability.reason : undefined;
if (skipReason) console.warn(`Skipping the keychain failure tests: ${skipReason}`);

const TIMEOUT_S = 2;
// The requirement is the deadline plus one second, Node's start-up included; a loaded 2-core CI
// machine gets more, six processes started at once more still (the bug was: never). The measured
// figures are printed.
const LIMIT_MS = (TIMEOUT_S + 3) * 1000;
const BUSY_LIMIT_MS = (TIMEOUT_S + 12) * 1000;
const SECRET = 'keychain-canary-secret-9d2';

let configDir: string;
let idp: ScriptedServer;
let bus: PrivateBus;
let keyring: PrivateKeyring;
const figures: string[] = [];

const base = () => ({ TOKENCTL_CONFIG_DIR: configDir, TOKENCTL_KEYCHAIN_TIMEOUT: String(TIMEOUT_S), DISPLAY: undefined, WAYLAND_DISPLAY: undefined, TOKENCTL_CLIENT_SECRET: undefined });
const healthy = () => ({ ...base(), ...keyring.env });

async function timed(args: string[], env: Record<string, string | undefined>): Promise<CliResult & { ms: number }> {
  const started = performance.now();
  const result = await runCli(args, { env, timeoutMs: 30_000 });
  return { ...result, ms: Math.round(performance.now() - started) };
}

async function configure(name: string): Promise<void> {
  const result = await runCli(['configure', '-p', name, '--token-url', `${idp.url}/token`, '--client-id', 'svc', '--client-secret-stdin', '--no-validate'], { env: healthy(), input: SECRET });
  expect(result.code, result.stderr).toBe(0);
}

interface Mode {
  name: string;
  env: () => Record<string, string | undefined>;
  code: RegExp;
  before?: () => Promise<void> | void;
  after?: () => Promise<void> | void;
  /** Only the commands that write or delete meet the failure (reads do not use libsecret). */
  writesOnly?: boolean;
}

/** The commands that need the keychain, for profile `p` (and `rm-…` for remove, `new-…` for configure). */
const commands = (p: string) => [
  ['token', '-p', p],
  ['show', '-p', p],
  ['validate', '-p', p],
  ['decode', '-p', p],
  ['doctor', '-p', p],
  ['remove', '-p', `rm-${p}`, '--yes'],
  ['configure', '-p', `new-${p}`, '--token-url', 'https://login.example.com/token', '--client-id', 'svc', '--no-validate'],
];

afterAll(() => {
  if (figures.length) console.log(`time to exit 4 (keychain timeout ${TIMEOUT_S} s; commands of one mode run in parallel):\n${figures.join('\n')}`);
});

describe.skipIf(skipReason !== undefined)('a keychain that fails ends every command with exit 4 in time', () => {
  let silent: FakeEndpoint;
  let freezing: FakeEndpoint;
  let deniedBus: PrivateBus;
  let deniedKeyring: PrivateKeyring;
  let noBusDir: string;

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'tokenctl-kcfail-'));
    noBusDir = mkdtempSync(join(tmpdir(), 'tokenctl-nobus-'));
    idp = await startScriptedServer([]);
    bus = await startBus();
    keyring = await startGnomeKeyring(bus);
    deniedBus = await startBus({ denySecretService: true });
    deniedKeyring = await startGnomeKeyring(deniedBus);
    silent = await startSilentSocket();
    freezing = await startFreezingRelay(bus);
    await Promise.all(
      MODES.map(async (mode) => {
        await configure(mode.name);
        await configure(`rm-${mode.name}`);
        // A cached token: its key is read from the keychain before anything else.
        const token = await runCli(['token', '-p', mode.name], { env: healthy() });
        expect(token.code, token.stderr).toBe(0);
      }),
    );
  });

  afterAll(async () => {
    await Promise.all([silent?.stop(), freezing?.stop(), keyring?.stop(), deniedKeyring?.stop()]);
    await Promise.all([bus?.stop(), deniedBus?.stop(), idp?.close()]);
    rmSync(configDir, { recursive: true, force: true });
    rmSync(noBusDir, { recursive: true, force: true });
  });

  const MODES: Mode[] = [
    {
      name: 'nobus',
      // A desktop session without a bus: GLib would autolaunch one.
      env: () => ({ ...base(), DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: noBusDir, DISPLAY: ':97' }),
      code: /^SECRET_STORE_NO_DBUS$/,
    },
    { name: 'silent', env: () => ({ ...healthy(), DBUS_SESSION_BUS_ADDRESS: silent.address }), code: /^SECRET_STORE_TIMEOUT$/ },
    { name: 'pausedbus', env: healthy, code: /^SECRET_STORE_TIMEOUT$/, before: () => bus.pause(), after: () => bus.resume() },
    { name: 'pausedkeyring', env: healthy, code: /^SECRET_STORE_TIMEOUT$/, before: () => keyring.pause(), after: () => keyring.resume() },
    // libsecret's connection freezes after Hello. Reads never use libsecret (tokenctl reads on its
    // own connection), so only the commands that write or delete meet the freeze.
    { name: 'frozen', env: () => ({ ...healthy(), DBUS_SESSION_BUS_ADDRESS: freezing.address }), code: /^SECRET_STORE_TIMEOUT$/, writesOnly: true },
    { name: 'denied', env: () => ({ ...base(), ...deniedKeyring.env }), code: /^SECRET_STORE_ACCESS_DENIED$/ },
  ];

  for (const mode of MODES) {
    it(`${mode.name}: every keychain command exits 4 within the deadline`, async () => {
      await mode.before?.();
      try {
        // configure is given a secret to store; the others read the stored one. token -p alone
        // first, for a figure without contention; the rest together, to keep the suite short.
        const run = (args: string[]) => timed([...args, '--json'], { ...mode.env(), ...(args[0] === 'configure' ? { TOKENCTL_CLIENT_SECRET: SECRET } : {}) });
        const list = commands(mode.name).filter((args) => !mode.writesOnly || args[0] === 'remove' || args[0] === 'configure');
        const [first, ...rest] = list;
        const alone = await run(first as string[]);
        const together = await Promise.all(rest.map(run));
        [alone, ...together].forEach((result, i) => {
          const args = list[i] as string[];
          figures.push(`  ${mode.name.padEnd(14)} ${(args[0] as string).padEnd(10)} exit ${result.code} after ${result.ms} ms${i === 0 ? ' (alone)' : ''}`);
          expect({ args, code: result.code, stderr: result.stderr }).toMatchObject({ code: 4 });
          expect(result.ms, `${args.join(' ')}: ${result.stderr}`).toBeLessThan(i === 0 ? LIMIT_MS : BUSY_LIMIT_MS);
          const error = JSON.parse(result.stderr.trim().split('\n').at(-1) as string).error as { code: string; hint: string };
          expect(error.code).toMatch(mode.code);
          // The way around the keychain is given in options the command has.
          if (args[0] === 'configure') expect(error.hint).toContain('again with `--store file`');
          else if (args[0] !== 'remove' && args[0] !== 'doctor') expect(error.hint).toContain(`tokenctl configure -p ${mode.name} --store file`);
          expect(result.stdout + result.stderr).not.toContain(SECRET);
        });
        if (mode.writesOnly) {
          const token = await run(['token', '-p', mode.name]);
          expect(token.code, token.stderr).toBe(0);
        }
      } finally {
        await mode.after?.();
      }
    });
  }

  it('with a DISPLAY and no bus, no dbus-launch ever sees a secret from the environment', async () => {
    // GLib autolaunches a bus by running dbus-launch with the whole environment: this one records it.
    const bin = mkdtempSync(join(tmpdir(), 'tokenctl-fakebin-'));
    const record = join(bin, 'record');
    mkdirSync(record);
    writeFileSync(join(bin, 'dbus-launch'), `#!/bin/sh\nenv > "${record}/$$"\nexit 1\n`, { mode: 0o755 });
    const env = { ...base(), DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: noBusDir, DISPLAY: ':97', PATH: `${bin}:${process.env.PATH ?? ''}`, TOKENCTL_CLIENT_SECRET: SECRET, TOKENCTL_PASSPHRASE: `${SECRET}-passphrase`, TOKENCTL_CERTIFICATE_PASSWORD: `${SECRET}-cert` };
    try {
      for (const args of [['configure', '-p', 'launch', '--token-url', 'https://login.example.com/token', '--client-id', 'svc', '--no-validate'], ['doctor'], ['show', '-p', 'nobus']]) {
        const run = await runCli(args, { env });
        expect(run.code, run.stderr).toBe(4);
        expect(run.stderr).toContain('No D-Bus session bus');
      }
      // The override is the secret, so token -p needs no keychain: only its cache is not used.
      const token = await runCli(['token', '-p', 'nobus'], { env });
      expect(token.code, token.stderr).toBe(0);
      expect(token.stderr).toContain('could not cache the token: No D-Bus session bus');
      for (const file of readdirSync(record)) expect(readFileSync(join(record, file), 'utf8')).not.toContain(SECRET);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('remove with a paused keyring: exit 4 in time, saying the file is gone and which secrets are left; remove again removes them', async () => {
    await configure('leftover');
    expect((await runCli(['token', '-p', 'leftover'], { env: healthy() })).code).toBe(0);
    const account = JSON.parse(readFileSync(join(configDir, 'profiles', 'leftover.json'), 'utf8')).secretAccounts.clientSecret as string;
    const { searchItems } = await import('../support/secret-service.js');
    const stored = async (name: string) => (await searchItems(bus, name))[0].length;
    expect(await stored(account)).toBe(1);

    keyring.pause();
    let first;
    try {
      first = await timed(['remove', '-p', 'leftover', '--yes', '--json'], healthy());
    } finally {
      keyring.resume();
    }
    figures.push(`  pausedkeyring  remove     exit ${first.code} after ${first.ms} ms (a profile file removed first)`);
    expect(first.code, first.stderr).toBe(4);
    expect(first.ms).toBeLessThan(LIMIT_MS);
    const error = JSON.parse(first.stderr.trim().split('\n').at(-1) as string).error as { code: string; message: string; hint: string };
    expect(error.code).toBe('SECRET_STORE_TIMEOUT');
    expect(error.message).toContain('profile leftover is removed (its file is gone)');
    expect(error.message).toContain(`"${account}"`);
    expect(error.message).toContain('"leftover:cache-key"');
    // The way on is a command that works (configure of a removed profile does not).
    expect(error.hint).toContain('then run `tokenctl remove -p leftover --yes` again: it removes what is left');
    expect(error.hint).not.toContain('configure');
    expect(error.hint).toContain(`secret-tool clear service tokenctl account ${account}`);
    expect(existsSync(join(configDir, 'profiles', 'leftover.json'))).toBe(false);
    expect(await stored(account)).toBe(1);

    const again = await runCli(['remove', '-p', 'leftover', '--yes'], { env: healthy() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('removed the secrets leftover had left behind');
    expect(await stored(account)).toBe(0);
    expect(await stored('leftover:cache-key')).toBe(0);
    // And once more: nothing is left, so no such profile.
    expect((await runCli(['remove', '-p', 'leftover', '--yes'], { env: healthy() })).code).toBe(3);
  });

  it('list never touches the keychain: it answers even when the bus is paused', async () => {
    bus.pause();
    try {
      const run = await timed(['list'], healthy());
      expect(run.code, run.stderr).toBe(0);
      expect(run.ms).toBeLessThan(LIMIT_MS);
    } finally {
      bus.resume();
    }
  });
});

describe.skipIf(skipReason !== undefined)('locked, missing and access denied are told apart', () => {
  let lockedBus: PrivateBus;
  let lockedKeyring: PrivateKeyring;
  const env = () => ({ ...base(), ...lockedKeyring.env });

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'tokenctl-kclock-'));
    idp = await startScriptedServer([]);
    lockedBus = await startBus();
    lockedKeyring = await startGnomeKeyring(lockedBus);
    for (const name of ['locked', 'gone', 'rm-locked']) {
      const result = await runCli(['configure', '-p', name, '--token-url', `${idp.url}/token`, '--client-id', 'svc', '--client-secret-stdin', '--no-validate'], { env: env(), input: SECRET });
      expect(result.code, result.stderr).toBe(0);
    }
    expect((await runCli(['token', '-p', 'locked'], { env: env() })).code).toBe(0);
  });

  afterAll(async () => {
    await lockedKeyring?.stop();
    await Promise.all([lockedBus?.stop(), idp?.close()]);
    rmSync(configDir, { recursive: true, force: true });
  });

  it('a secret deleted from an unlocked keyring is "missing", with the command that stores it again', async () => {
    const { busCall, searchItems } = await import('../support/secret-service.js');
    const account = JSON.parse(readFileSync(join(configDir, 'profiles', 'gone.json'), 'utf8')).secretAccounts.clientSecret as string;
    const [unlocked] = await searchItems(lockedBus, account);
    expect(unlocked).toHaveLength(1);
    await busCall(lockedBus, { destination: 'org.freedesktop.secrets', path: unlocked[0] as string, interface: 'org.freedesktop.Secret.Item', member: 'Delete' });
    const token = await runCli(['token', '-p', 'gone', '--json'], { env: env() });
    expect(token.code).toBe(4);
    expect(JSON.parse(token.stderr).error).toMatchObject({ code: 'SECRET_MISSING', message: expect.stringContaining('missing'), hint: expect.stringContaining('tokenctl configure -p gone --client-secret-stdin') });
    const doctor = await runCli(['doctor', '-p', 'gone'], { env: env() });
    expect(doctor.stdout).toContain('OS keychain (Secret Service via libsecret) answers; the default keyring is unlocked');
    expect(doctor.stdout).toContain('✗ client secret is missing from its store');
  });

  it('a locked keyring is "locked" in every command and in doctor, never "missing", and nothing prompts', async () => {
    await lockedKeyring.lock();
    for (const args of [['token', '-p', 'locked'], ['show', '-p', 'locked'], ['validate', '-p', 'locked'], ['remove', '-p', 'rm-locked', '--yes']]) {
      const run = await timed([...args, '--json'], env());
      figures.push(`  locked         ${(args[0] as string).padEnd(10)} exit ${run.code} after ${run.ms} ms`);
      expect(run.code, run.stderr).toBe(4);
      const error = JSON.parse(run.stderr).error as { code: string; message: string; hint: string };
      expect(error.code).toBe('SECRET_STORE_LOCKED');
      expect(error.message).toContain('locked');
      expect(error.message).not.toContain('missing');
      expect(error.hint).toContain('Unlock');
      expect(run.ms).toBeLessThan(LIMIT_MS);
    }

    const doctor = await timed(['doctor', '-p', 'locked'], env());
    expect(doctor.code).toBe(4);
    expect(doctor.stdout).toMatch(/✗ OS keychain \(Secret Service via libsecret\): The OS keychain is locked/);
    expect(doctor.stdout).not.toContain('answers');
    expect(doctor.stdout).toMatch(/✗ client secret cannot be read: The OS keychain is locked/);
    expect(doctor.stdout).not.toContain('missing');
    expect(doctor.stderr).toContain('the secret store: The OS keychain is locked');

    const configure = await timed(['configure', '-p', 'new-locked', '--token-url', 'https://login.example.com/token', '--client-id', 'svc', '--no-validate', '--json'], { ...env(), TOKENCTL_CLIENT_SECRET: SECRET });
    expect(configure.code).toBe(4);
    expect(JSON.parse(configure.stderr).error).toMatchObject({ code: 'SECRET_STORE_LOCKED', hint: expect.stringContaining('again with `--store file`') });
  });

  it.skipIf(!ptyAvailable().ok)('at a desktop terminal the unlock prompt is shown; when nobody answers it, exit 4 at the deadline', async () => {
    await lockedKeyring.lock();
    const prompter = await startSilentPrompter(lockedBus);
    try {
      const started = performance.now();
      const session = spawnPty(['token', '-p', 'locked'], { env: { ...env(), DISPLAY: ':97' }, timeoutMs: 20_000 });
      const exit = await session.exit();
      const ms = Math.round(performance.now() - started);
      figures.push(`  prompt         token      exit ${exit.code} after ${ms} ms`);
      expect(exit.code, exit.transcript).toBe(4);
      expect(exit.transcript).toContain(`did not answer within ${TIMEOUT_S} s (waiting for an answer to the keyring's unlock prompt)`);
      expect(ms).toBeLessThan(LIMIT_MS + 1_000);
    } finally {
      prompter.stop();
    }
  });
});

describe.skipIf(skipReason !== undefined)('a session bus at an abstract address (what dbus-launch and dbus-run-session hand out on many Ubuntu releases)', () => {
  let abstractBus: PrivateBus;
  let abstractKeyring: PrivateKeyring;
  const env = () => ({ ...base(), ...abstractKeyring.env });
  const searchItems = async (account: string) => (await import('../support/secret-service.js')).searchItems(abstractBus, account);

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'tokenctl-kcabs-'));
    idp = await startScriptedServer([]);
    abstractBus = await startBus({ abstract: true });
    // gnome-keyring itself is on the abstract address only, like everything in such a session.
    abstractKeyring = await startGnomeKeyring(abstractBus);
    expect(abstractKeyring.env.DBUS_SESSION_BUS_ADDRESS).toMatch(/^unix:abstract=[^;]+$/);
    for (const name of ['abs', 'abs-rm']) {
      const result = await runCli(['configure', '-p', name, '--token-url', `${idp.url}/token`, '--client-id', 'svc', '--client-secret-stdin', '--no-validate'], { env: env(), input: SECRET });
      expect(result.code, result.stderr).toBe(0);
    }
  });

  afterAll(async () => {
    await abstractKeyring?.stop();
    await Promise.all([abstractBus?.stop(), idp?.close()]);
    rmSync(configDir, { recursive: true, force: true });
  });

  it('stores, reads and removes secrets through it: token -p, show, doctor and remove work', async () => {
    const account = JSON.parse(readFileSync(join(configDir, 'profiles', 'abs.json'), 'utf8')).secretAccounts.clientSecret as string;
    expect((await searchItems(account))[0]).toHaveLength(1);

    const token = await runCli(['token', '-p', 'abs', '-o', 'json'], { env: env() });
    expect(token.code, token.stderr).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({ access_token: 'scripted-access-token', cached: false });
    // The secret read from the keyring is the one sent.
    const sent = idp.requests.at(-1);
    expect(`${sent?.headers.authorization ? Buffer.from(sent.headers.authorization.replace(/^Basic /, ''), 'base64').toString() : ''} ${sent?.body}`).toContain(SECRET);
    const cached = await runCli(['token', '-p', 'abs', '-o', 'json'], { env: env() });
    expect(cached.code, cached.stderr).toBe(0);
    expect(JSON.parse(cached.stdout)).toMatchObject({ cached: true });

    const show = await runCli(['show', '-p', 'abs'], { env: env() });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('stored in keychain');
    const doctor = await runCli(['doctor', '-p', 'abs'], { env: env() });
    expect(doctor.stdout).toContain('OS keychain (Secret Service via libsecret) answers; the default keyring is unlocked');

    const rmAccount = JSON.parse(readFileSync(join(configDir, 'profiles', 'abs-rm.json'), 'utf8')).secretAccounts.clientSecret as string;
    const remove = await runCli(['remove', '-p', 'abs-rm', '--yes'], { env: env() });
    expect(remove.code, remove.stderr).toBe(0);
    expect(await searchItems(rmAccount)).toEqual([[], []]);
  });

  it('a paused bus, a paused keyring or no bus at that address: exit 4 within the deadline', async () => {
    const cases: Array<[string, () => void, () => void, Record<string, string | undefined>, RegExp]> = [
      ['abstract-pausedbus', () => abstractBus.pause(), () => abstractBus.resume(), {}, /^SECRET_STORE_TIMEOUT$/],
      ['abstract-pausedkeyring', () => abstractKeyring.pause(), () => abstractKeyring.resume(), {}, /^SECRET_STORE_TIMEOUT$/],
      ['abstract-nobus', () => {}, () => {}, { DBUS_SESSION_BUS_ADDRESS: `unix:abstract=/tmp/tokenctl-nobody-${process.pid}` }, /^SECRET_STORE_NO_DBUS$/],
    ];
    for (const [name, before, after, extra, code] of cases) {
      before();
      try {
        for (const args of [['token', '-p', 'abs', '--refresh'], ['show', '-p', 'abs']]) {
          const run = await timed([...args, '--json'], { ...env(), ...extra });
          figures.push(`  ${name.padEnd(22)} ${(args[0] as string).padEnd(10)} exit ${run.code} after ${run.ms} ms`);
          expect(run.code, run.stderr).toBe(4);
          expect(run.ms, run.stderr).toBeLessThan(LIMIT_MS);
          expect((JSON.parse(run.stderr.trim().split('\n').at(-1) as string).error as { code: string }).code).toMatch(code);
          expect(run.stdout + run.stderr).not.toContain(SECRET);
        }
      } finally {
        after();
      }
    }
  });

  it('a locked keyring at that address is "locked", never "missing"', async () => {
    await abstractKeyring.lock();
    const run = await timed(['token', '-p', 'abs', '--refresh', '--json'], env());
    figures.push(`  abstract-locked        token      exit ${run.code} after ${run.ms} ms`);
    expect(run.code, run.stderr).toBe(4);
    expect(JSON.parse(run.stderr).error).toMatchObject({ code: 'SECRET_STORE_LOCKED' });
    expect(run.ms).toBeLessThan(LIMIT_MS);
  });
});
