import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntimeKeyStore, runtimeKeyDir } from '../../src/cache/runtime-keys.js';

describe('runtimeKeyDir', () => {
  it('is the per-session runtime directory on Linux, else a private directory in the temp dir', () => {
    expect(runtimeKeyDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 'linux', '/tmp', 1000)).toBe('/run/user/1000/tokenctl/cache-keys');
    expect(runtimeKeyDir({}, 'linux', '/tmp', 1000)).toBe('/tmp/tokenctl-1000/cache-keys');
    expect(runtimeKeyDir({ XDG_RUNTIME_DIR: 'relative' }, 'linux', '/tmp', 0)).toBe('/tmp/tokenctl-0/cache-keys');
    expect(runtimeKeyDir({ XDG_RUNTIME_DIR: '/run/x' }, 'darwin', '/var/folders/ab/T', 501)).toBe('/var/folders/ab/T/tokenctl-501/cache-keys');
    expect(runtimeKeyDir({}, 'win32', 'C:\\Users\\me\\AppData\\Local\\Temp', 'me')).toBe('C:\\Users\\me\\AppData\\Local\\Temp\\tokenctl-me\\cache-keys');
  });
});

describe('createRuntimeKeyStore', () => {
  const base = () => join(mkdtempSync(join(tmpdir(), 'tokenctl-keys-')), 'tokenctl', 'cache-keys');

  it('keeps one key per config dir and account, in 0600 files of a 0700 directory, none named after the profile', async () => {
    const dir = base();
    const store = createRuntimeKeyStore(dir, '/home/me/.config/tokenctl');
    const other = createRuntimeKeyStore(dir, '/srv/ci/tokenctl');
    expect(await store.get('erp:cache-key')).toBeNull();
    await store.set('erp:cache-key', 'a2V5');
    expect(await store.get('erp:cache-key')).toBe('a2V5');
    expect(await other.get('erp:cache-key')).toBeNull();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [name] = readdirSync(dir);
    expect(name).toMatch(/^[0-9a-f]{64}\.key$/);
    expect(statSync(join(dir, name!)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, name!), 'utf8')).toBe('a2V5\n');
    expect(await store.delete('erp:cache-key')).toBe(true);
    expect(await store.delete('erp:cache-key')).toBe(false);
    expect(await store.get('erp:cache-key')).toBeNull();
  });

  it.skipIf(process.platform === 'win32')('never uses a directory others can enter: no key read, none written', async () => {
    const dir = base();
    const store = createRuntimeKeyStore(dir, '/cfg');
    await store.set('erp:cache-key', 'a2V5');
    chmodSync(join(dir, '..'), 0o755);
    expect(await store.get('erp:cache-key')).toBeNull();
    await expect(store.set('erp:cache-key', 'bmV3')).rejects.toThrow('not a private directory');
  });
});
