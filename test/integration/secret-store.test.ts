import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretStoreError } from '../../src/errors.js';
import { createKeychainStore, type KeytarLike } from '../../src/secrets/keychain.js';
import type { SecretStore } from '../../src/secrets/store.js';
import { findExecutable, keyringAvailable, startKeyring, type TestKeyring } from '../support/keyring.js';

// In CI a missing keyring must fail loudly; only a local run may skip, and says why.
const inCi = process.env.CI === 'true';
const availability = keyringAvailable();
const skipReason = !availability.ok && !inCi ? availability.reason : undefined;
const secretTool = findExecutable('secret-tool');
const skipSecretTool = !secretTool && !inCi;
if (skipReason) console.warn(`Skipping the real-keyring tests: ${skipReason}`);
if (skipSecretTool) console.warn('Skipping the secret-tool cross-check: apt-get install -y libsecret-tools');

const UNICODE = 'pässwörd ✓ 🔑 ключ';
const LONG = Array.from({ length: 2048 }, (_, i) => 'ab: +%Z9'[i % 8]).join('');

describe.skipIf(skipReason !== undefined)(
  `keychain store against a real gnome-keyring${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let keyring: TestKeyring;
    let store: SecretStore;
    const saved: Record<string, string | undefined> = {};

    beforeAll(async () => {
      // libsecret reads DBUS_SESSION_BUS_ADDRESS from the real process environment when it first
      // connects; process.env writes reach it only in a child process, not in a worker thread.
      expect(isMainThread, 'vitest must run this file with pool "forks"').toBe(true);
      const started = Date.now();
      keyring = await startKeyring();
      console.log(`private gnome-keyring started in ${Date.now() - started} ms`);
      for (const [name, value] of Object.entries(keyring.env)) {
        saved[name] = process.env[name];
        process.env[name] = value;
      }
      store = createKeychainStore();
    });

    afterAll(async () => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await keyring?.stop();
    });

    function secretToolRun(args: string[], input?: string) {
      if (!secretTool) throw new Error('secret-tool is not on PATH: apt-get install -y libsecret-tools');
      const result = spawnSync(secretTool, args, {
        env: { ...process.env, ...keyring.env },
        input,
        encoding: 'utf8',
        timeout: 10_000,
      });
      if (result.error) throw result.error;
      return result;
    }

    it('loads keytar only once a bus has answered: never without one (GLib would autolaunch a bus)', async () => {
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/keytar/'));
      expect(loaded()).toBe(false);
      const noBus = createKeychainStore({ env: { DISPLAY: ':0' } });
      await expect(noBus.get('never-set')).rejects.toMatchObject({ code: 'SECRET_STORE_NO_DBUS' });
      await expect(noBus.set('never-set', 'value')).rejects.toMatchObject({ code: 'SECRET_STORE_NO_DBUS' });
      expect(loaded()).toBe(false);
      expect(store.backend).toBe('OS keychain (Secret Service via libsecret)');
      // A miss is the Secret Service's answer: libsecret is not asked.
      expect(await store.get('never-set')).toBeNull();
      expect(await store.delete('never-set')).toBe(false);
      await store.set('now-set', 'value');
      expect(loaded()).toBe(true);
      expect(await store.get('now-set')).toBe('value');
    });

    it('sets, gets, overwrites and deletes', async () => {
      await store.set('profile-a', 's3cret');
      expect(await store.get('profile-a')).toBe('s3cret');
      await store.set('profile-a', 'rotated');
      expect(await store.get('profile-a')).toBe('rotated');
      expect(await store.delete('profile-a')).toBe(true);
      expect(await store.get('profile-a')).toBeNull();
      // Already gone is not an error.
      expect(await store.delete('profile-a')).toBe(false);
    });

    it('returns null for an account that was never stored', async () => {
      expect(await store.get('no-such-profile')).toBeNull();
    });

    it('keeps unicode and 2 KB values intact', async () => {
      expect(LONG).toHaveLength(2048);
      await store.set('unicode', UNICODE);
      await store.set('long', LONG);
      expect(await store.get('unicode')).toBe(UNICODE);
      expect(await store.get('long')).toBe(LONG);
    });

    it.skipIf(skipSecretTool)(`writes to the private keyring, as secret-tool sees it${skipSecretTool ? ' (skipped: secret-tool not installed; apt-get install libsecret-tools)' : ''}`, async () => {
      await store.set('seen-by-secret-tool', UNICODE);
      const lookup = secretToolRun(['lookup', 'service', 'tokenctl', 'account', 'seen-by-secret-tool']);
      expect(lookup.status).toBe(0);
      expect(lookup.stdout).toBe(UNICODE);

      // keytar looks items up by its libsecret schema, so the item must carry that schema name.
      const attributes = ['xdg:schema', 'org.freedesktop.Secret.Generic', 'service', 'tokenctl', 'account', 'stored-by-secret-tool'];
      const stored = secretToolRun(['store', '--label', 'from secret-tool', ...attributes], LONG);
      expect(stored.status, stored.stderr).toBe(0);
      expect(await store.get('stored-by-secret-tool')).toBe(LONG);

      // Deletes through the store are visible to secret-tool too.
      await store.delete('seen-by-secret-tool');
      expect(secretToolRun(['lookup', 'service', 'tokenctl', 'account', 'seen-by-secret-tool']).stdout).toBe('');
    });
  },
);

// keytar's own failures, on the platforms where keytar talks to the OS directly (on Linux the
// Secret Service is asked first: test/integration/keychain-failures.test.ts).
describe('keychain store failures', () => {
  const never = () => new Promise<never>(() => {});
  const hanging: KeytarLike = { getPassword: never, setPassword: never, deletePassword: never };

  it.each([
    ['get', (s: SecretStore) => s.get('a')],
    ['set', (s: SecretStore) => s.set('a', 'hunter2-value')],
    ['delete', (s: SecretStore) => s.delete('a')],
  ])('%s gives up after the timeout', async (_name, run) => {
    const store = createKeychainStore({ timeoutMs: 50, loadKeytar: async () => hanging, platform: 'darwin' });
    const started = Date.now();
    const error = await run(store).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect(error).toMatchObject({ code: 'SECRET_STORE_TIMEOUT', exitCode: 4 });
    expect(String((error as SecretStoreError).message) + (error as SecretStoreError).hint).not.toContain('hunter2');
  });

  it('a keychain that missed its deadline is not waited for again: a cache read that gives up costs the run one deadline', async () => {
    const store = createKeychainStore({ timeoutMs: 200, loadKeytar: async () => hanging, platform: 'darwin' });
    await expect(store.get('cache-key')).rejects.toMatchObject({ code: 'SECRET_STORE_TIMEOUT' });
    const started = Date.now();
    await expect(store.get('client-secret')).rejects.toMatchObject({ code: 'SECRET_STORE_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('times out when loading keytar itself hangs', async () => {
    const store = createKeychainStore({ timeoutMs: 50, loadKeytar: never, platform: 'darwin' });
    await expect(store.get('a')).rejects.toMatchObject({ code: 'SECRET_STORE_TIMEOUT', exitCode: 4 });
  });

  it('reports a keytar that cannot be loaded as exit 4 with a fix', async () => {
    const missing = Object.assign(new Error("Cannot find module 'keytar'\nRequire stack:\n- /x.js"), { code: 'MODULE_NOT_FOUND' });
    const store = createKeychainStore({ loadKeytar: () => Promise.reject(missing), platform: 'darwin' });
    const error = await store.set('a', 'value').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect(error).toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE', exitCode: 4 });
    expect((error as SecretStoreError).hint).toContain('--store file');
    expect((error as SecretStoreError).message).not.toContain('Require stack');
    // Loading is not retried on every call, and the next call fails the same way.
    await expect(store.get('a')).rejects.toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE' });
  });

  it('never puts the secret into an error, even if the backend echoes it', async () => {
    const echoing: KeytarLike = {
      ...hanging,
      setPassword: async (_service, _account, password) => {
        throw new Error(`backend choked on ${password}`);
      },
    };
    const store = createKeychainStore({ loadKeytar: async () => echoing, platform: 'darwin' });
    const error = (await store.set('a', 'hunter2-value').catch((e: unknown) => e)) as SecretStoreError;
    expect(error).toBeInstanceOf(SecretStoreError);
    expect(error.message).toContain('[redacted]');
    expect(JSON.stringify([error.message, error.hint, (error.cause as Error).message])).not.toContain('hunter2');
  });
});

// keytar in a child process, for a bus only a D-Bus library reaches (an abstract socket on Node.js 20):
// a call stuck in libsecret is ended by killing the child, and nothing of it outlives the kill.
describe.skipIf(skipReason !== undefined)('keytar in a child process', () => {
  it('a call stuck on a bus that never answers ends when the child is killed', async () => {
    const { startKeytarProcess } = await import('../../src/secrets/keytar-process.js');
    const { startSilentSocket } = await import('../support/secret-service.js');
    const silent = await startSilentSocket();
    try {
      const helper = await startKeytarProcess({ PATH: process.env.PATH ?? '', DBUS_SESSION_BUS_ADDRESS: silent.address });
      const call = helper.getPassword('tokenctl', 'a');
      const outcome = await Promise.race([call.then(() => 'answered', () => 'failed'), new Promise((resolve) => setTimeout(() => resolve('pending'), 500))]);
      expect(outcome).toBe('pending');
      const started = Date.now();
      helper.kill();
      await expect(call).rejects.toThrow(/abandoned/);
      expect(Date.now() - started).toBeLessThan(1_000);
      await expect(helper.getPassword('tokenctl', 'a')).rejects.toThrow();
    } finally {
      await silent.stop();
    }
  });
});
