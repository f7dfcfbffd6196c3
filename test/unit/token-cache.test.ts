import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenCacheKey, type TokenShape } from '../../src/cache/cache-key.js';
import { createTokenCache, isUsable, type CachedToken } from '../../src/cache/token-cache.js';
import { Code, InterruptedError, SecretStoreError } from '../../src/errors.js';
import type { SecretStore } from '../../src/secrets/store.js';
import { createMemorySecretStore, type MemorySecretStore } from '../support/memory-store.js';

const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2lnbmF0dXJlLXZhbHVlLXRoYXQtaXMtc2VjcmV0';
const TOKEN: CachedToken = {
  accessToken: ACCESS_TOKEN,
  tokenType: 'Bearer',
  expiresAt: '2026-01-01T01:00:00.000Z',
  scope: 'api://orders/.default',
  obtainedAt: '2026-01-01T00:00:00.000Z',
};
const KEY = 'a'.repeat(64);
const posix = process.platform !== 'win32';

describe('isUsable', () => {
  const at = (iso: string) => new Date(iso);
  it('is usable while at least minValiditySeconds remain, and not a millisecond less', () => {
    expect(isUsable(TOKEN, at('2026-01-01T00:59:00.000Z'), 60)).toBe(true);
    expect(isUsable(TOKEN, at('2026-01-01T00:59:00.001Z'), 60)).toBe(false);
    expect(isUsable(TOKEN, at('2026-01-01T00:59:59.999Z'), 0)).toBe(true);
    expect(isUsable(TOKEN, at('2026-01-01T01:00:00.000Z'), 0)).toBe(true);
    expect(isUsable(TOKEN, at('2026-01-01T01:00:00.001Z'), 0)).toBe(false);
  });
  it('an unparseable expiry is not usable', () => {
    expect(isUsable({ ...TOKEN, expiresAt: 'soon' }, at('2026-01-01T00:00:00Z'), 0)).toBe(false);
  });
});

describe('tokenCacheKey', () => {
  const base: TokenShape = {
    credentialKind: 'secret',
    tenant: 'contoso.onmicrosoft.com',
    clientId: '2974926a-0818-407b-a86c-b7616ce3a81a',
    scopes: ['read', 'write'],
    resources: ['api://one', 'api://two'],
    params: [
      ['a', '1'],
      ['b', '2'],
    ],
  };
  // One changed value for every setting that shapes the token.
  const edits: Array<[string, Partial<TokenShape>]> = [
    ['credentialKind', { credentialKind: 'certificate' }],
    ['tenant', { tenant: 'fabrikam.onmicrosoft.com' }],
    ['cloud', { cloud: 'usgov' }],
    ['authorityHost', { authorityHost: 'https://login.example' }],
    ['tokenUrl', { tokenUrl: 'https://idp.example/token' }],
    ['issuer', { issuer: 'https://idp.example' }],
    ['clientId', { clientId: 'other' }],
    ['authMethod', { authMethod: 'client_secret_basic' }],
    ['scopes', { scopes: ['read'] }],
    ['resources', { resources: ['api://one'] }],
    ['resources order', { resources: ['api://two', 'api://one'] }],
    ['audience', { audience: 'https://api.example' }],
    ['params', { params: [['a', '2']] }],
    ['params order', { params: [['b', '2'], ['a', '1']] }],
    ['certificatePath', { certificatePath: '/etc/erp.pem' }],
    ['privateKeyPath', { privateKeyPath: '/etc/erp.key' }],
    ['certificateAlias', { certificateAlias: 'erp' }],
    ['thumbprint', { thumbprint: 'A1B2' }],
    ['assertionAlgorithm', { assertionAlgorithm: 'RS256' }],
    ['assertionAudience', { assertionAudience: 'issuer' }],
    ['clientAssertionFile', { clientAssertionFile: '/var/run/token' }],
    // A sign-in's tokens belong to its grant and sign-in endpoints too.
    ['grant', { grant: 'authorization_code' }],
    ['authorizeUrl', { authorizeUrl: 'https://idp.example/authorize' }],
    ['deviceAuthorizationUrl', { deviceAuthorizationUrl: 'https://idp.example/device' }],
  ];

  it('is a SHA-256 in hex, and the same for the same shape', () => {
    expect(tokenCacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenCacheKey({ ...base })).toBe(tokenCacheKey(base));
  });

  it.each(edits)('changes when %s changes', (_name, edit) => {
    expect(tokenCacheKey({ ...base, ...edit })).not.toBe(tokenCacheKey(base));
  });

  it('changes when a shaping setting is added', () => {
    expect(tokenCacheKey({ ...base, audience: '' })).not.toBe(tokenCacheKey(base));
  });

  it('ignores settings that change how the request is sent, not which token comes back', () => {
    const transport: Partial<TokenShape> = { timeoutSeconds: 5, proxy: 'http://proxy:3128', caFile: '/etc/ca.pem', sendX5c: true, assertionLifetimeSeconds: 600 };
    expect(tokenCacheKey({ ...base, ...transport })).toBe(tokenCacheKey(base));
  });

  it('treats scopes as a set: order, duplicates and space-separated lists do not matter', () => {
    const key = tokenCacheKey(base);
    expect(tokenCacheKey({ ...base, scopes: ['write', 'read'] })).toBe(key);
    expect(tokenCacheKey({ ...base, scopes: ['write read', 'read'] })).toBe(key);
    expect(tokenCacheKey({ ...base, scopes: [' read  write '] })).toBe(key);
  });

  it('does not depend on key order or on members that are undefined', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as TokenShape;
    expect(tokenCacheKey(reordered)).toBe(tokenCacheKey(base));
    expect(tokenCacheKey({ ...base, audience: undefined, thumbprint: undefined })).toBe(tokenCacheKey(base));
  });
});

describe('token cache', () => {
  let dir: string;
  let keyStore: MemorySecretStore;
  const keyAccount = (profile: string) => `${profile}:cache-key`;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tokenctl-cache-'));
    keyStore = createMemorySecretStore();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cache = (store: SecretStore = keyStore, account = keyAccount) => createTokenCache({ dir: join(dir, 'cache'), keyStore: store, keyAccount: account });
  const editFile = async (profile: string, edit: (file: Record<string, unknown>) => Record<string, unknown>) => {
    const path = join(dir, 'cache', `${profile}.json`);
    await writeFile(path, JSON.stringify(edit(JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>)));
  };

  it('round-trips a token', async () => {
    await cache().write('erp', KEY, TOKEN);
    expect(await cache().read('erp', KEY)).toEqual(TOKEN);
    const withoutScope: CachedToken = { ...TOKEN };
    delete withoutScope.scope;
    await cache().write('crm', KEY, withoutScope);
    expect(await cache().read('crm', KEY)).toEqual(withoutScope);
  });

  it('keeps the token out of the file bytes and out of the keychain; the header is plain', async () => {
    await cache().write('erp', KEY, TOKEN);
    const bytes = await readFile(join(dir, 'cache', 'erp.json'));
    expect(bytes.includes(ACCESS_TOKEN)).toBe(false);
    expect(bytes.includes(ACCESS_TOKEN.slice(-20))).toBe(false);
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({
      format: 'tokenctl-token-cache',
      version: 1,
      key: KEY,
      expiresAt: TOKEN.expiresAt,
      obtainedAt: TOKEN.obtainedAt,
    });
    expect([...keyStore.values.keys()]).toEqual(['erp:cache-key']);
    const stored = keyStore.values.get('erp:cache-key') ?? '';
    expect(Buffer.from(stored, 'base64')).toHaveLength(32);
    expect(stored.length).toBeLessThan(100);
  });

  it.skipIf(!posix)('writes the file 0600', async () => {
    await cache().write('erp', KEY, TOKEN);
    expect((await stat(join(dir, 'cache', 'erp.json'))).mode & 0o777).toBe(0o600);
  });

  it('creates the encryption key once, then reuses it', async () => {
    const c = cache();
    await c.write('erp', KEY, TOKEN);
    const first = keyStore.values.get('erp:cache-key');
    await c.write('erp', KEY, { ...TOKEN, accessToken: 'second' });
    expect(keyStore.values.get('erp:cache-key')).toBe(first);
    expect((await c.read('erp', KEY))?.accessToken).toBe('second');
  });

  it('peek reads the header only: no decryption, no keychain', async () => {
    await cache().write('erp', KEY, TOKEN);
    const untouchable: SecretStore = {
      backend: 'untouchable',
      get: () => Promise.reject(new Error('keychain touched')),
      set: () => Promise.reject(new Error('keychain touched')),
      delete: () => Promise.reject(new Error('keychain touched')),
    };
    expect(await cache(untouchable).peek('erp')).toEqual({ key: KEY, expiresAt: TOKEN.expiresAt });
    expect(await cache(untouchable).peek('crm')).toBeUndefined();
  });

  it('a cold cache, or one for another cache key, is a miss without touching the keychain', async () => {
    let gets = 0;
    const counting: SecretStore = { ...keyStore, get: (account) => ((gets += 1), keyStore.get(account)) };
    expect(await cache(counting).read('erp', KEY)).toBeUndefined();
    await cache().write('erp', KEY, TOKEN);
    expect(await cache(counting).read('erp', 'b'.repeat(64))).toBeUndefined();
    expect(gets).toBe(0);
  });

  it.each([
    ['the expiry in the header', (f: Record<string, unknown>) => ({ ...f, expiresAt: '2099-01-01T00:00:00.000Z' })],
    ['the time obtained in the header', (f: Record<string, unknown>) => ({ ...f, obtainedAt: '2025-01-01T00:00:00.000Z' })],
    ['the ciphertext', (f: Record<string, unknown>) => ({ ...f, data: flip(f.data as string) })],
    ['the tag', (f: Record<string, unknown>) => ({ ...f, tag: flip(f.tag as string) })],
    ['a truncated tag', (f: Record<string, unknown>) => ({ ...f, tag: Buffer.from(f.tag as string, 'base64').subarray(0, 4).toString('base64') })],
    ['the IV', (f: Record<string, unknown>) => ({ ...f, iv: flip(f.iv as string) })],
    ['the version', (f: Record<string, unknown>) => ({ ...f, version: 2 })],
    ['the format', (f: Record<string, unknown>) => ({ ...f, format: 'other' })],
    ['a missing field', ({ tag: _tag, ...f }: Record<string, unknown>) => f],
  ])('a file with %s modified is a miss', async (_name, edit) => {
    await cache().write('erp', KEY, TOKEN);
    await editFile('erp', edit);
    expect(await cache().read('erp', KEY)).toBeUndefined();
  });

  it('a file that is not JSON is a miss, and peek shows nothing', async () => {
    await cache().write('erp', KEY, TOKEN);
    await writeFile(join(dir, 'cache', 'erp.json'), '{"format":');
    expect(await cache().read('erp', KEY)).toBeUndefined();
    expect(await cache().peek('erp')).toBeUndefined();
  });

  it("another profile's file copied over this one is a miss, even under a shared key", async () => {
    const shared = () => 'shared:cache-key';
    await cache(keyStore, shared).write('crm', KEY, TOKEN);
    await writeFile(join(dir, 'cache', 'erp.json'), await readFile(join(dir, 'cache', 'crm.json')));
    expect(await cache(keyStore, shared).read('crm', KEY)).toEqual(TOKEN);
    expect(await cache(keyStore, shared).read('erp', KEY)).toBeUndefined();
  });

  it('a deleted or rotated encryption key is a miss, and the next write recovers', async () => {
    await cache().write('erp', KEY, TOKEN);
    keyStore.values.delete('erp:cache-key');
    expect(await cache().read('erp', KEY)).toBeUndefined();
    await cache().write('erp', KEY, TOKEN);
    expect(await cache().read('erp', KEY)).toEqual(TOKEN);

    keyStore.values.set('erp:cache-key', Buffer.alloc(32, 7).toString('base64'));
    expect(await cache().read('erp', KEY)).toBeUndefined();
    keyStore.values.set('erp:cache-key', 'not a key');
    expect(await cache().read('erp', KEY)).toBeUndefined();
    await cache().write('erp', KEY, TOKEN);
    expect(await cache().read('erp', KEY)).toEqual(TOKEN);
  });

  it('a keychain that fails is a miss, but Ctrl-C at a passphrase prompt is not swallowed', async () => {
    await cache().write('erp', KEY, TOKEN);
    const failing = (error: Error): SecretStore => ({ ...keyStore, get: () => Promise.reject(error) });
    expect(await cache(failing(new SecretStoreError(Code.SECRET_STORE_LOCKED, 'locked'))).read('erp', KEY)).toBeUndefined();
    await expect(cache(failing(new InterruptedError(Code.INTERRUPTED, 'interrupted'))).read('erp', KEY)).rejects.toBeInstanceOf(InterruptedError);
  });

  it('delete removes the file and the key; deleting again is fine', async () => {
    await cache().write('erp', KEY, TOKEN);
    await cache().write('crm', KEY, TOKEN);
    await cache().delete('erp');
    expect(await readdir(join(dir, 'cache'))).toEqual(['crm.json']);
    expect([...keyStore.values.keys()]).toEqual(['crm:cache-key']);
    await cache().delete('erp');
    expect(await cache().read('erp', KEY)).toBeUndefined();
    expect(await cache().read('crm', KEY)).toEqual(TOKEN);
  });

  it('refuses a profile name that would leave the cache directory', async () => {
    await expect(cache().write('../erp', KEY, TOKEN)).rejects.toMatchObject({ code: 'PROFILE_NAME_INVALID' });
    expect(await cache().read('../erp', KEY)).toBeUndefined();
    expect(keyStore.values.size).toBe(0);
  });
});

function flip(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}
