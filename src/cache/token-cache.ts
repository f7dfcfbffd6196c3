import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { rm } from '../fs-async.js';
import { FILE_LIMITS, readInputFile } from '../input-file.js';
import { join } from 'node:path';
import { InterruptedError } from '../errors.js';
import { refuseOpenDirectory, writeFileAtomic } from '../profiles/atomic-file.js';
import { checkProfileName } from '../profiles/paths.js';
import type { SecretStore } from '../secrets/store.js';
import { isSecretCheck, type SecretCheck } from './secret-check.js';

export interface CachedToken {
  accessToken: string;
  tokenType: string;
  /** ISO 8601. */
  expiresAt: string;
  scope?: string;
  /** A sign-in's ID token, kept beside the access token for `decode --id-token`. */
  idToken?: string;
  /** ISO 8601. */
  obtainedAt: string;
  /** Which client secret obtained it (a salted MAC, never the secret); absent for other credentials. */
  secretCheck?: SecretCheck;
}

export interface TokenCacheOptions {
  /** One `PROFILE.json` per profile lives here. */
  dir: string;
  /** Holds each profile's cache encryption key (never the token: Windows caps a credential at 2560 bytes). */
  keyStore: SecretStore;
  /** The key's account in keyStore, e.g. `erp:cache-key`. */
  keyAccount: (profile: string) => string;
}

export interface TokenCache {
  /** The cached token for this cache key, or undefined on any problem at all: the next write replaces it. */
  read(profile: string, key: string): Promise<CachedToken | undefined>;
  write(profile: string, key: string, token: CachedToken): Promise<void>;
  /** What `list` shows, from the plaintext header only: no decryption, no keychain. */
  peek(profile: string): Promise<{ key: string; expiresAt: string } | undefined>;
  /** Removes the file and its key; already gone is fine. */
  delete(profile: string): Promise<void>;
}

/** Not secret: lets `list` show expiry without the keychain. Authenticated as the cipher's AAD. */
interface CacheHeader {
  format: 'tokenctl-token-cache';
  version: 1;
  key: string;
  expiresAt: string;
  obtainedAt: string;
}

interface CacheFile extends CacheHeader {
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

/** The encrypted part; expiry and time obtained come from the authenticated header. */
type SealedToken = Pick<CachedToken, 'accessToken' | 'tokenType' | 'scope' | 'secretCheck' | 'idToken'>;

const FORMAT = 'tokenctl-token-cache';

/** Whether the token is still valid for at least `minValiditySeconds` at `now`. */
export function isUsable(token: CachedToken, now: Date, minValiditySeconds: number): boolean {
  return Date.parse(token.expiresAt) - now.getTime() >= minValiditySeconds * 1000;
}

// Binds the header and the profile to the ciphertext: editing the expiry, or copying another
// profile's file over this one, fails authentication.
function additionalData(profile: string, header: CacheHeader): Buffer {
  return Buffer.from(JSON.stringify([header.format, header.version, profile, header.key, header.expiresAt, header.obtainedAt]), 'utf8');
}

function parseHeader(text: string): CacheFile | undefined {
  const file = JSON.parse(text) as Partial<CacheFile> | null;
  const strings = [file?.key, file?.expiresAt, file?.obtainedAt, file?.iv, file?.tag, file?.data];
  if (file?.format !== FORMAT || file.version !== 1 || file.cipher !== 'aes-256-gcm' || strings.some((s) => typeof s !== 'string')) return undefined;
  return file as CacheFile;
}

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const { dir, keyStore, keyAccount } = options;
  const pathOf = (profile: string) => join(dir, `${checkProfileName(profile)}.json`);

  async function loadFile(profile: string): Promise<CacheFile | undefined> {
    try {
      return parseHeader((await readInputFile(pathOf(profile), FILE_LIMITS.config)).toString('utf8'));
    } catch {
      return undefined;
    }
  }

  async function encryptionKey(profile: string): Promise<Buffer> {
    const stored = await keyStore.get(keyAccount(profile));
    const existing = stored === null ? undefined : Buffer.from(stored, 'base64');
    if (existing?.length === 32) return existing;
    const created = randomBytes(32);
    await keyStore.set(keyAccount(profile), created.toString('base64'));
    return created;
  }

  return {
    async read(profile, key) {
      await refuseOpenDirectory(dir);
      try {
        const file = await loadFile(profile);
        // Header checks first: a cold or outdated cache never touches the keychain.
        if (file?.key !== key) return undefined;
        const stored = await keyStore.get(keyAccount(profile));
        if (stored === null) return undefined;
        // authTagLength: a truncated tag in an edited file must not be accepted as a shorter one.
        const decipher = createDecipheriv('aes-256-gcm', Buffer.from(stored, 'base64'), Buffer.from(file.iv, 'base64'), { authTagLength: 16 });
        decipher.setAAD(additionalData(profile, file));
        decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
        const plain = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]).toString('utf8');
        const sealed = JSON.parse(plain) as SealedToken;
        if (typeof sealed.accessToken !== 'string' || typeof sealed.tokenType !== 'string') return undefined;
        return {
          accessToken: sealed.accessToken,
          tokenType: sealed.tokenType,
          ...(typeof sealed.scope === 'string' ? { scope: sealed.scope } : {}),
          ...(isSecretCheck(sealed.secretCheck) ? { secretCheck: { salt: sealed.secretCheck.salt, mac: sealed.secretCheck.mac } } : {}),
          ...(typeof sealed.idToken === 'string' ? { idToken: sealed.idToken } : {}),
          expiresAt: file.expiresAt,
          obtainedAt: file.obtainedAt,
        };
      } catch (error) {
        // Ctrl-C at the file store's passphrase prompt is the user's answer, not a broken cache.
        if (error instanceof InterruptedError) throw error;
        return undefined;
      }
    },

    async write(profile, key, token) {
      await refuseOpenDirectory(dir);
      const path = pathOf(profile);
      const header: CacheHeader = { format: FORMAT, version: 1, key, expiresAt: token.expiresAt, obtainedAt: token.obtainedAt };
      const sealed: SealedToken = { accessToken: token.accessToken, tokenType: token.tokenType, scope: token.scope, secretCheck: token.secretCheck, idToken: token.idToken };
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', await encryptionKey(profile), iv);
      cipher.setAAD(additionalData(profile, header));
      const data = Buffer.concat([cipher.update(JSON.stringify(sealed), 'utf8'), cipher.final()]);
      const file: CacheFile = { ...header, cipher: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
      await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    },

    async peek(profile) {
      const file = await loadFile(profile);
      return file && { key: file.key, expiresAt: file.expiresAt };
    },

    async delete(profile) {
      await rm(pathOf(profile), { force: true });
      await keyStore.delete(keyAccount(profile));
    },
  };
}
