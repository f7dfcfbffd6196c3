import { createHash } from 'node:crypto';
import { lstat, mkdir, rm } from '../fs-async.js';
import { FILE_LIMITS, readInputFile } from '../input-file.js';
import { tmpdir, userInfo } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { writeFileAtomic } from '../profiles/atomic-file.js';
import type { SecretStore } from '../secrets/store.js';

type Env = Record<string, string | undefined>;

/**
 * Where the token-cache keys of file-store profiles live: a per-user directory outside the config
 * dir that does not outlive the session. $XDG_RUNTIME_DIR is a per-user tmpfs, 0700, emptied at
 * logout and reboot; without it, a 0700 directory of this user's in the system temp dir, as tmux
 * and ssh-agent keep their sockets. Pure, so every platform can be tested on any.
 */
export function runtimeKeyDir(env: Env, platform: NodeJS.Platform, tempDir: string, user: string | number): string {
  if (platform !== 'win32' && platform !== 'darwin' && env.XDG_RUNTIME_DIR && posix.isAbsolute(env.XDG_RUNTIME_DIR)) {
    return posix.join(env.XDG_RUNTIME_DIR, 'tokenctl', 'cache-keys');
  }
  return (platform === 'win32' ? win32 : posix).join(tempDir, `tokenctl-${user}`, 'cache-keys');
}

/** runtimeKeyDir for this process. */
export function processRuntimeKeyDir(env: Env): string {
  return runtimeKeyDir(env, process.platform, tmpdir(), process.getuid?.() ?? userInfo().username);
}

/** The directory, made 0700 if new; refused unless it is a real directory of ours that no one else can enter. */
async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  // Another user may have created the path first in a shared temp dir: never use their directory.
  for (const path of [join(dir, '..'), dir]) {
    const stat = await lstat(path);
    if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
      throw new Error(`${path} is not a private directory of this user`);
    }
  }
}

/**
 * The token-cache keys of file-store profiles, one random key per profile and config dir, kept in
 * runtimeKeyDir. A cache hit then needs no passphrase-derived key, and so no scrypt; and someone who
 * copies the config dir gets cached tokens they cannot decrypt, and no cheap way to test passphrase
 * guesses (the README's "Security" part argues it in full). A key that is gone (after a reboot) only
 * costs one token request: the cache reads as empty and the next write makes a new key.
 */
export function createRuntimeKeyStore(dir: string, configRoot: string): SecretStore {
  // Named by config dir and account, so two config dirs (TOKENCTL_CONFIG_DIR) never share a key.
  const pathOf = (account: string) => join(dir, `${createHash('sha256').update(`${configRoot}\0${account}`).digest('hex')}.key`);
  return {
    backend: `session key directory (${dir})`,
    async get(account) {
      try {
        await privateDir(dir);
        return (await readInputFile(pathOf(account), FILE_LIMITS.secret)).toString('utf8').trim() || null;
      } catch {
        return null;
      }
    },
    async set(account, value) {
      await privateDir(dir);
      await writeFileAtomic(pathOf(account), `${value}\n`, { mode: 0o600 });
    },
    async delete(account) {
      try {
        await lstat(pathOf(account));
      } catch {
        return false;
      }
      await rm(pathOf(account), { force: true });
      return true;
    },
  };
}
