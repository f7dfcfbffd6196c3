import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError, SecretStoreError } from '../../src/errors.js';
import { createFileSecretStore, type FileSecretStoreOptions, type SecretFile } from '../../src/secrets/file-store.js';

const PASSPHRASE = 'correct horse battery staple';
const SECRET = 'Qx8~wQ.s3cr3t-value_ZZ';
// Cheap scrypt for tests; the format, not the cost, is under test here.
const TEST_N = 2 ** 10;
const posix = process.platform !== 'win32';

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokenctl-file-store-'));
  dir = join(root, 'secrets');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function store(passphrase: string | (() => Promise<string>) = PASSPHRASE, options: Partial<FileSecretStoreOptions> = {}) {
  let asked = 0;
  const source = typeof passphrase === 'string' ? async () => passphrase : passphrase;
  const created = createFileSecretStore({
    dir,
    scryptN: TEST_N,
    passphrase: () => {
      asked += 1;
      return source();
    },
    ...options,
  });
  return Object.assign(created, { asked: () => asked });
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as SecretFile;

async function rejection(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('file secret store', () => {
  it('round-trips secrets, one file per profile, in the documented format', async () => {
    const s = store();
    await s.set('erp:client-secret:3f9a1c', SECRET);
    await s.set('erp:certificate-password', 'pfx-pass');
    await s.set('crm:client-secret:77', 'crm-secret');

    expect(await s.get('erp:client-secret:3f9a1c')).toBe(SECRET);
    expect(await s.get('erp:certificate-password')).toBe('pfx-pass');
    expect(await s.get('crm:client-secret:77')).toBe('crm-secret');
    expect(await s.get('erp:client-secret:other')).toBeNull();
    expect((await readdir(dir)).sort()).toEqual(['crm.enc', 'erp.enc']);

    const file = await readJson(join(dir, 'erp.enc'));
    expect(file).toMatchObject({ format: 'tokenctl-secrets', version: 2, profile: 'erp', kdf: { name: 'scrypt', N: TEST_N, r: 8, p: 1 }, cipher: 'aes-256-gcm' });
    expect(Buffer.from(file.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(file.tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(file.kdf.salt, 'base64').length).toBeGreaterThanOrEqual(16);
    expect(s.backend).toBe(`encrypted file (${dir})`);
  });

  it('a new store (another run) reads what an earlier one wrote', async () => {
    await store().set('erp:client-secret', SECRET);
    expect(await store().get('erp:client-secret')).toBe(SECRET);
  });

  it('writes neither a secret nor the passphrase in plain text', async () => {
    const s = store();
    await s.set('erp:client-secret', SECRET);
    const bytes = await readFile(join(dir, 'erp.enc'));
    expect(bytes.includes(SECRET)).toBe(false);
    expect(bytes.includes(PASSPHRASE)).toBe(false);
  });

  it.skipIf(!posix)('creates the file 0600 in a 0700 directory', async () => {
    await store().set('erp:client-secret', SECRET);
    expect((await stat(join(dir, 'erp.enc'))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('uses a fresh IV on every write, even of the same content', async () => {
    const s = store();
    await s.set('erp:client-secret', SECRET);
    const first = await readJson(join(dir, 'erp.enc'));
    await s.set('erp:client-secret', SECRET);
    const second = await readJson(join(dir, 'erp.enc'));
    expect(second.iv).not.toBe(first.iv);
    expect(second.data).not.toBe(first.data);
  });

  it('asks for the passphrase once per store, and only when a file is read or written', async () => {
    const s = store();
    expect(await s.get('erp:client-secret')).toBeNull();
    expect(await s.delete('erp:client-secret')).toBe(false);
    expect(s.asked()).toBe(0);

    await s.set('erp:client-secret', SECRET);
    await s.set('crm:client-secret', SECRET);
    await s.get('erp:client-secret');
    await s.delete('crm:client-secret');
    expect(s.asked()).toBe(1);
  });

  it('does not lose updates when one store writes the same file concurrently', async () => {
    const s = store();
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.set(`erp:secret:${i}`, `value-${i}`)));
    const again = store();
    for (let i = 0; i < 10; i += 1) expect(await again.get(`erp:secret:${i}`)).toBe(`value-${i}`);
  });

  it('delete says whether something was deleted, and removing the last account removes the file', async () => {
    const s = store();
    await s.set('erp:client-secret', SECRET);
    await s.set('erp:cache-key', 'k');
    expect(await s.delete('erp:nothing-here')).toBe(false);
    expect(await s.delete('erp:client-secret')).toBe(true);
    expect(await s.get('erp:cache-key')).toBe('k');
    expect(await s.delete('erp:cache-key')).toBe(true);
    expect(await readdir(dir)).toEqual([]);
    expect(await s.delete('erp:cache-key')).toBe(false);
  });

  it('reads a file with the scrypt cost written in it, and raises a weaker cost when it rewrites the file', async () => {
    await store().set('erp:client-secret', SECRET);
    const stronger = store(PASSPHRASE, { scryptN: 2 ** 12 });
    expect(await stronger.get('erp:client-secret')).toBe(SECRET);
    const salt = (await readJson(join(dir, 'erp.enc'))).kdf.salt;
    await stronger.set('erp:cache-key', 'k');
    const rewritten = await readJson(join(dir, 'erp.enc'));
    expect(rewritten.kdf.N).toBe(2 ** 12);
    expect(rewritten.kdf.salt).not.toBe(salt);
    // A store with a lower cost for new files never lowers an existing file's.
    await store().set('erp:other', 'v');
    expect((await readJson(join(dir, 'erp.enc'))).kdf.N).toBe(2 ** 12);
  });

  it("defaults to OWASP's minimum, scrypt N = 2^17, r = 8, p = 1", async () => {
    const s = createFileSecretStore({ dir, passphrase: async () => PASSPHRASE });
    await s.set('erp:client-secret', SECRET);
    expect((await readJson(join(dir, 'erp.enc'))).kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
    expect(await s.get('erp:client-secret')).toBe(SECRET);
  });

  it('a wrong passphrase is SECRET_FILE_DECRYPT (exit 4), naming the file and not the passphrase', async () => {
    await store().set('erp:client-secret', SECRET);
    const error = await rejection(store('n0t-the-Passphrase!').get('erp:client-secret'));
    expect(error).toBeInstanceOf(SecretStoreError);
    expect(error).toMatchObject({ code: 'SECRET_FILE_DECRYPT', exitCode: 4 });
    expect(error.message).toBe(`cannot decrypt ${join(dir, 'erp.enc')}: wrong passphrase, or the file was modified`);
    expect(error.hint).toContain('TOKENCTL_PASSPHRASE');
    expect(`${error.message} ${error.hint}`).not.toContain('n0t-the-Passphrase!');
  });

  it.each([
    ['data', (f: SecretFile) => ({ ...f, data: flip(f.data) })],
    ['tag', (f: SecretFile) => ({ ...f, tag: flip(f.tag) })],
    ['iv', (f: SecretFile) => ({ ...f, iv: flip(f.iv) })],
    ['salt', (f: SecretFile) => ({ ...f, kdf: { ...f.kdf, salt: flip(f.kdf.salt) } })],
    ['scrypt cost', (f: SecretFile) => ({ ...f, kdf: { ...f.kdf, N: f.kdf.N * 2 } })],
  ])('a modified %s is SECRET_FILE_DECRYPT', async (_name, tamper) => {
    const path = join(dir, 'erp.enc');
    await store().set('erp:client-secret', SECRET);
    await writeFile(path, JSON.stringify(tamper(await readJson(path))));
    const error = await rejection(store().get('erp:client-secret'));
    expect(error.code).toBe('SECRET_FILE_DECRYPT');
    expect(error.message).not.toContain(SECRET);
  });

  it('a blank passphrase is SECRET_FILE_PASSPHRASE_MISSING, with a hint about TOKENCTL_PASSPHRASE', async () => {
    for (const blank of ['', '   ', '\n']) {
      const error = await rejection(store(blank).set('erp:client-secret', SECRET));
      expect(error).toMatchObject({ code: 'SECRET_FILE_PASSPHRASE_MISSING', exitCode: 4 });
      expect(error.hint).toContain('TOKENCTL_PASSPHRASE');
    }
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a failing passphrase source (Ctrl-C at the prompt) fails the call as it is, and is not asked again', async () => {
    const interrupted = new Error('interrupted');
    await store().set('erp:client-secret', SECRET);
    const s = store(() => Promise.reject(interrupted));
    await expect(s.get('erp:client-secret')).rejects.toBe(interrupted);
    await expect(s.get('erp:client-secret')).rejects.toBe(interrupted);
    expect(s.asked()).toBe(1);
  });

  it.each([
    ['not JSON', 'garbage{', 'SECRET_FILE_INVALID', 'not JSON'],
    ['another format', JSON.stringify({ format: 'something-else' }), 'SECRET_FILE_INVALID', '"format"'],
    ['a newer version', JSON.stringify({ format: 'tokenctl-secrets', version: 3 }), 'SECRET_FILE_VERSION', 'version 3'],
    ['an absurd scrypt cost', null, 'SECRET_FILE_INVALID', '"kdf"'],
    ['a short IV', null, 'SECRET_FILE_INVALID', '"iv"'],
  ])('a file with %s is refused before any passphrase is asked', async (_name, content, code, detail) => {
    const path = join(dir, 'erp.enc');
    await store().set('erp:client-secret', SECRET);
    const valid = await readJson(path);
    const replacement =
      content ?? JSON.stringify(detail === '"kdf"' ? { ...valid, kdf: { ...valid.kdf, N: 2 ** 30 } } : { ...valid, iv: Buffer.alloc(8).toString('base64') });
    await writeFile(path, replacement);
    const s = store();
    const error = await rejection(s.get('erp:client-secret'));
    expect(error).toMatchObject({ code, exitCode: 4 });
    expect(error.message).toContain(path);
    expect(error.message).toContain(detail);
    expect(error.hint).toBeTruthy();
    expect(s.asked()).toBe(0);
  });

  it('refuses accounts whose profile is not a valid profile name, so no file lands outside the directory', async () => {
    for (const account of ['../evil:client-secret', ':client-secret', 'a/b:client-secret']) {
      const error = await rejection(store().set(account, SECRET));
      expect(error.code).toBe('PROFILE_NAME_INVALID');
      expect(error.message).not.toContain(SECRET);
    }
  });
});

function flip(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('a secret file belongs to its profile', () => {
  it("another profile's file copied over this one's is refused as belonging to another profile", async () => {
    const s = store();
    await s.set('erp:client-secret', 'erp-secret');
    await s.set('crm:client-secret', 'crm-secret');
    await writeFile(join(dir, 'crm.enc'), await readFile(join(dir, 'erp.enc')));
    const error = await rejection(store().get('crm:client-secret'));
    expect(error).toMatchObject({ code: 'SECRET_FILE_OTHER_PROFILE', exitCode: 4, message: expect.stringContaining('belongs to another profile ("erp")') });
    expect(error.message).not.toContain('erp-secret');
  });

  it('renaming the profile inside a copied file does not help: the ciphertext is bound to its profile', async () => {
    await store().set('erp:client-secret', 'erp-secret');
    const file = await readJson(join(dir, 'erp.enc'));
    await writeFile(join(dir, 'crm.enc'), JSON.stringify({ ...file, profile: 'crm' }));
    const error = await rejection(store().get('crm:client-secret'));
    expect(error).toMatchObject({ code: 'SECRET_FILE_DECRYPT', exitCode: 4 });
  });

  it('reads a version 1 file (no associated data), checks its accounts, and rewrites it as version 2', async () => {
    const legacy = (accounts: Record<string, string>) => {
      const salt = randomBytes(16);
      const key = scryptSync(PASSPHRASE, salt, 32, { N: TEST_N, r: 8, p: 1 });
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(accounts), 'utf8'), cipher.final()]);
      const kdf = { name: 'scrypt', N: TEST_N, r: 8, p: 1, salt: salt.toString('base64') };
      return JSON.stringify({ format: 'tokenctl-secrets', version: 1, kdf, cipher: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') });
    };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, 'erp.enc'), legacy({ 'erp:client-secret': 'old-secret' }));
    await writeFile(join(dir, 'crm.enc'), legacy({ 'erp:client-secret': 'old-secret' }));
    const s = store();
    expect(await s.get('erp:client-secret')).toBe('old-secret');
    expect(await rejection(s.get('crm:client-secret'))).toMatchObject({ code: 'SECRET_FILE_OTHER_PROFILE' });
    await s.set('erp:cache-key', 'k');
    expect(await readJson(join(dir, 'erp.enc'))).toMatchObject({ version: 2, profile: 'erp' });
    expect(await store().get('erp:client-secret')).toBe('old-secret');
  });

  it("asks for the passphrase to create the store's first file, to open it afterwards", async () => {
    const purposes: string[] = [];
    const asking = (purpose: 'open' | 'create') => {
      purposes.push(purpose);
      return Promise.resolve(PASSPHRASE);
    };
    await createFileSecretStore({ dir, scryptN: TEST_N, passphrase: asking }).set('erp:client-secret', SECRET);
    await createFileSecretStore({ dir, scryptN: TEST_N, passphrase: asking }).set('crm:client-secret', SECRET);
    await createFileSecretStore({ dir, scryptN: TEST_N, passphrase: asking }).get('erp:client-secret');
    expect(purposes).toEqual(['create', 'open', 'open']);
  });

  it.skipIf(process.platform === 'win32')('refuses a secrets directory other users can write to (exit 2)', async () => {
    await store().set('erp:client-secret', SECRET);
    await chmod(dir, 0o777);
    expect(await rejection(store().get('erp:client-secret'))).toMatchObject({ code: 'DIR_INSECURE', exitCode: 2 });
    await chmod(dir, 0o700);
  });
});

describe.skipIf(process.platform === 'win32')('directories other users can write to are refused like profiles/', () => {
  it('the cache directory and the locks directory (exit 2)', async () => {
    const { createTokenCache } = await import('../../src/cache/token-cache.js');
    const { withProfileLock } = await import('../../src/cache/lock.js');
    const cacheDir = join(root, 'cache');
    const locksDir = join(root, 'locks');
    await mkdir(cacheDir, { mode: 0o700 });
    await mkdir(locksDir, { mode: 0o700 });
    await chmod(cacheDir, 0o775);
    await chmod(locksDir, 0o757);
    const cache = createTokenCache({ dir: cacheDir, keyStore: store(), keyAccount: (p) => `${p}:cache-key` });
    expect(await rejection(cache.read('erp', 'k'))).toMatchObject({ code: 'DIR_INSECURE', exitCode: 2 });
    expect(await rejection(withProfileLock(join(locksDir, 'erp.lock'), { timeoutMs: 1000 }, async () => 'ran'))).toMatchObject({ code: 'DIR_INSECURE', exitCode: 2 });
  });
});
