import { createCipheriv, createDecipheriv, randomBytes, scrypt, type BinaryLike, type ScryptOptions } from 'node:crypto';
import { readdir, rm } from '../fs-async.js';
import { FILE_LIMITS, readInputFile } from '../input-file.js';
import { join } from 'node:path';
import { CliError, Code, SecretStoreError } from '../errors.js';
import { refuseOpenDirectory, writeFileAtomic } from '../profiles/atomic-file.js';
import { checkProfileName } from '../profiles/paths.js';
import { PASSPHRASE_ENV, type SecretStore } from './store.js';

/** Why the passphrase is wanted: to open existing files, or to create the store's first file. */
export type PassphrasePurpose = 'open' | 'create';

export interface FileSecretStoreOptions {
  /** One `PROFILE.enc` per profile lives here. */
  dir: string;
  /**
   * Asked at most once per store, and only when a file has to be read or written; `create` when the
   * store has no file yet, so a typo can be caught by asking twice before it locks a profile away.
   */
  passphrase: (purpose: PassphrasePurpose) => Promise<string>;
  /** scrypt cost (a power of two) for files this store creates; tests lower it. Existing files keep theirs. */
  scryptN?: number;
}

interface KdfParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}

/**
 * The on-disk format of one profile's secrets; `data` decrypts to a JSON map account → value.
 * Version 2 names its profile and authenticates that name and the kdf with the ciphertext (AES-GCM
 * associated data), so one profile's file copied over another's is refused, not read as its secrets.
 * Version 1 files (no profile, no associated data) are still read, and rewritten as version 2.
 */
export interface SecretFile {
  format: 'tokenctl-secrets';
  version: 1 | 2;
  profile?: string;
  kdf: KdfParams;
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

const FORMAT = 'tokenctl-secrets';
// OWASP's minimum for scrypt (N=2^17, r=8, p=1: 128 MiB, a fraction of a second): new files get at
// least this, and a file with weaker parameters is re-keyed with them the next time it is written.
export const SCRYPT_N = 2 ** 17;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const VERSION = 2;
// Bounds for parameters read from a file, so an edited file cannot make scrypt eat gigabytes or minutes.
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_SCRYPT_R = 32;
const MAX_SCRYPT_P = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const scryptKey = (passphrase: BinaryLike, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(passphrase, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))));

/** The profile whose file holds `account` (`PROFILE:KIND[:ID]`): it names the file, so it must be a valid profile name. */
function profileOfAccount(account: string): string {
  return checkProfileName(account.split(':', 1)[0] ?? '', "the secret account's profile");
}

function invalid(path: string, why: string, cause?: unknown): SecretStoreError {
  return new SecretStoreError(Code.SECRET_FILE_INVALID, `${path} is not a tokenctl secret file: ${why}`, {
    hint: `Restore it from a backup, or delete it and add that profile's secrets again.`,
    cause,
  });
}

const scryptMemory = (N: number, r: number) => 128 * N * r;
const isPowerOfTwo = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 2 && ((n as number) & ((n as number) - 1)) === 0;
const isIntIn = (n: unknown, max: number): n is number => Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= max;
const isBase64 = (value: unknown, bytes?: number): value is string =>
  typeof value === 'string' && BASE64.test(value) && (bytes === undefined || Buffer.from(value, 'base64').length === bytes);

/** Checks a file's envelope before any passphrase is asked or scrypt run with its parameters. */
function parseSecretFile(text: string, path: string): SecretFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(path, 'it is not JSON', error);
  }
  const file = value as Partial<SecretFile> | null;
  if (typeof file !== 'object' || file === null || file.format !== FORMAT) throw invalid(path, `its "format" is not "${FORMAT}"`);
  if (file.version !== 1 && file.version !== VERSION) {
    throw new SecretStoreError(Code.SECRET_FILE_VERSION, `${path} has format version ${JSON.stringify(file.version)}; this tokenctl reads versions 1 and ${VERSION}`, {
      hint: 'It was written by a newer tokenctl: upgrade tokenctl.',
    });
  }
  const kdf = file.kdf as Partial<KdfParams> | undefined;
  if (kdf?.name !== 'scrypt' || !isPowerOfTwo(kdf.N) || !isIntIn(kdf.r, MAX_SCRYPT_R) || scryptMemory(kdf.N, kdf.r) > MAX_SCRYPT_MEMORY || !isIntIn(kdf.p, MAX_SCRYPT_P) || !isBase64(kdf.salt)) {
    throw invalid(path, 'its "kdf" is not scrypt with usable parameters');
  }
  if (file.version === VERSION && typeof file.profile !== 'string') throw invalid(path, 'it does not name its profile');
  if (file.cipher !== 'aes-256-gcm' || !isBase64(file.iv, 12) || !isBase64(file.tag, 16) || !isBase64(file.data)) {
    throw invalid(path, 'its "cipher", "iv", "tag" or "data" is missing or malformed');
  }
  return file as SecretFile;
}

/**
 * The encrypted file store behind `--store file`: for machines without a usable keychain, chosen
 * explicitly and remembered, never a silent fallback. One file per profile, so profiles never share
 * a file and deleting a profile's last secret removes its file.
 */
export function createFileSecretStore(options: FileSecretStoreOptions): SecretStore {
  const { dir } = options;
  const newFileN = options.scryptN ?? SCRYPT_N;
  let passphrase: Promise<string> | undefined;
  // scrypt is slow by design: derive each (salt, cost) once per store, so a read-modify-write costs one.
  const keys = new Map<string, Promise<Buffer>>();
  // Operations of one store run one after another, so two `set`s on one file cannot lose an update.
  let queue: Promise<unknown> = Promise.resolve();

  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const run = queue.then(operation, operation);
    queue = run.catch(() => undefined);
    return run;
  };

  const getPassphrase = (purpose: PassphrasePurpose) =>
    (passphrase ??= options.passphrase(purpose).then((value) => {
      if (value.trim() === '') {
        throw new SecretStoreError(Code.SECRET_FILE_PASSPHRASE_MISSING, `the passphrase for the encrypted secret files in ${dir} is blank`, {
          hint: `Set ${PASSPHRASE_ENV} to the passphrase, or type it when asked.`,
        });
      }
      return value;
    }));

  const deriveKey = (kdf: KdfParams, purpose: PassphrasePurpose = 'open'): Promise<Buffer> => {
    const id = `${kdf.N}:${kdf.r}:${kdf.p}:${kdf.salt}`;
    let key = keys.get(id);
    if (!key) {
      // Node's default maxmem (32 MiB) is just short of what N = 2^15, r = 8 needs.
      const scryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 2 * scryptMemory(kdf.N, kdf.r) };
      // NFC: the same passphrase typed on another system may arrive in another Unicode normalization.
      key = getPassphrase(purpose).then((secret) => scryptKey(secret.normalize('NFC'), Buffer.from(kdf.salt, 'base64'), scryptOptions));
      keys.set(id, key);
    }
    return key;
  };

  const pathOf = (profile: string) => join(dir, `${profile}.enc`);

  /** The file's secrets and its kdf (reused when rewriting), or undefined when there is no file. */
  async function load(path: string, profile: string): Promise<{ secrets: Map<string, string>; kdf: KdfParams; version: number } | undefined> {
    await refuseOpenDirectory(dir);
    let text: string;
    try {
      text = (await readInputFile(path, FILE_LIMITS.config)).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (error instanceof CliError) throw error;
      throw new SecretStoreError(Code.SECRET_FILE_UNREADABLE, `cannot read ${path}: ${(error as Error).message}`, {
        hint: 'Check that it belongs to you and is readable (`chmod 600`).',
        cause: error,
      });
    }
    const file = parseSecretFile(text, path);
    if (file.version === VERSION && file.profile !== profile) throw otherProfile(path, profile, file.profile);
    const key = await deriveKey(file.kdf);
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'), { authTagLength: 16 });
      if (file.version === VERSION) decipher.setAAD(associatedData(profile, file.kdf));
      decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
      plain = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretStoreError(Code.SECRET_FILE_DECRYPT, `cannot decrypt ${path}: wrong passphrase, or the file was modified`, {
        hint: `Check the passphrase (${PASSPHRASE_ENV}, or what you typed). If it is lost, delete the file and add that profile's secrets again.`,
        cause: error,
      });
    }
    let map: unknown;
    try {
      map = JSON.parse(plain);
    } catch {
      // No cause: the parser's message would quote the decrypted secrets.
      throw invalid(path, 'its decrypted content is not JSON');
    }
    if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.values(map).some((v) => typeof v !== 'string')) {
      throw invalid(path, 'its decrypted content is not a map of secrets');
    }
    const secrets = new Map(Object.entries(map as Record<string, string>));
    // A version 1 file names no profile: its accounts do.
    const foreign = [...secrets.keys()].find((account) => !account.startsWith(`${profile}:`));
    if (foreign !== undefined) throw otherProfile(path, profile, foreign.split(':', 1)[0]);
    return { secrets, kdf: file.kdf, version: file.version };
  }

  async function save(path: string, profile: string, secrets: Map<string, string>, previous: KdfParams | undefined): Promise<void> {
    await refuseOpenDirectory(dir);
    // Weaker parameters than today's (an old file) are replaced, with a new salt, when the file is rewritten.
    const reuse = previous && previous.N >= newFileN && previous.r >= SCRYPT_R ? previous : undefined;
    const kdf = reuse ?? { name: 'scrypt', N: newFileN, r: SCRYPT_R, p: SCRYPT_P, salt: randomBytes(16).toString('base64') };
    const key = await deriveKey(kdf, previous === undefined && !(await hasFiles(dir)) ? 'create' : 'open');
    // A fresh IV for every write: reusing one under the same key would break GCM.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData(profile, kdf));
    const data = Buffer.concat([cipher.update(JSON.stringify(Object.fromEntries(secrets)), 'utf8'), cipher.final()]);
    const file: SecretFile = {
      format: FORMAT,
      version: VERSION,
      profile,
      kdf,
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    try {
      await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      throw unwritable(path, error);
    }
  }

  return {
    backend: `encrypted file (${dir})`,
    prepare: async () => {
      await getPassphrase((await hasFiles(dir)) ? 'open' : 'create');
    },
    get: (account) =>
      serial(async () => {
        const profile = profileOfAccount(account);
        const loaded = await load(pathOf(profile), profile);
        return loaded?.secrets.get(account) ?? null;
      }),
    set: (account, value) =>
      serial(async () => {
        const profile = profileOfAccount(account);
        const path = pathOf(profile);
        const loaded = await load(path, profile);
        const secrets = loaded?.secrets ?? new Map<string, string>();
        secrets.set(account, value);
        await save(path, profile, secrets, loaded?.kdf);
      }),
    delete: (account) =>
      serial(async () => {
        const profile = profileOfAccount(account);
        const path = pathOf(profile);
        const loaded = await load(path, profile);
        if (!loaded?.secrets.delete(account)) return false;
        if (loaded.secrets.size > 0) {
          await save(path, profile, loaded.secrets, loaded.kdf);
        } else {
          try {
            await rm(path, { force: true });
          } catch (error) {
            throw unwritable(path, error);
          }
        }
        return true;
      }),
  };
}

/** Binds a ciphertext to its profile and key parameters: a file copied to another name fails to decrypt. */
function associatedData(profile: string, kdf: KdfParams): Buffer {
  return Buffer.from(JSON.stringify([FORMAT, VERSION, profile, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt]), 'utf8');
}

function otherProfile(path: string, profile: string, owner: string | undefined): SecretStoreError {
  return new SecretStoreError(Code.SECRET_FILE_OTHER_PROFILE, `${path} belongs to another profile${owner ? ` (${JSON.stringify(owner)})` : ''}, not to ${profile}: its secrets are not used`, {
    hint: `A secret file is not copied between profiles. Move it back (or aside), then store ${profile}'s secrets again: tokenctl configure -p ${profile} --client-secret-stdin`,
  });
}

async function hasFiles(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((name) => name.endsWith('.enc'));
  } catch {
    return false;
  }
}

function unwritable(path: string, error: unknown): SecretStoreError {
  return new SecretStoreError(Code.SECRET_FILE_UNWRITABLE, `cannot write ${path}: ${(error as Error).message}`, {
    hint: 'Check that its directory belongs to you and is writable, and that the disk is not full.',
    cause: error,
  });
}
